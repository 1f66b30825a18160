//! Accounts and sessions: PUBLIC_URL and the other names the server answers
//! to, session lifetime, sign-in throttling and the reverse proxy's
//! forwarded address.

use std::num::NonZeroU32;
use std::time::Duration;

use super::reader::{attempts, boolean, seconds, whole, Reader};
use crate::quotas::Quotas;
use crate::rate_limits::Quota;

/// How many live streams (build pages, chat replies) may be open at once;
/// `http::stream_slots` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_user: usize,
    pub total: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self { per_user: 20, total: 10_000 }
    }
}

/// How many failed sign-ins are tolerated before further attempts are
/// refused. Counted three ways, so a stranger cannot lock a person out: the
/// tight limit is per account *from one address*; an address guessing at many
/// accounts has a limit of its own; and an account's ceiling across all
/// addresses (a distributed guess) is far higher than either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures for one email address from one client address within `window`.
    pub max_failures_per_account_and_address: u32,
    /// Failures from one client address within `window`, whatever the email.
    pub max_failures_per_address: u32,
    /// Failures for one email address within `window`, from anywhere.
    pub max_failures_per_account: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures_per_account_and_address: 5,
            max_failures_per_address: 50,
            max_failures_per_account: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The origin browsers see (`https://agents.example.com`), from PUBLIC_URL.
    /// State-changing requests from any other origin are refused.
    pub public_origin: Option<String>,
    /// More host names the server answers to besides PUBLIC_URL's (ALLOWED_HOSTS,
    /// lower-case, without ports).
    pub allowed_hosts: Vec<String>,
    /// Whether the session cookie carries `Secure` (PUBLIC_URL is https).
    pub secure_cookies: bool,
    /// How long a session lasts without being used; each use extends it.
    pub session_lifetime: Duration,
    pub throttle: ThrottlePolicy,
    /// Take the client address from the last `X-Forwarded-For` entry, for a
    /// server behind a reverse proxy that sets it.
    pub trust_forwarded_for: bool,
    /// REST requests per minute, per user (per address before sign-in).
    pub api_requests: Quota,
    /// Page views and server-function calls per minute, per user (per
    /// address before sign-in), counted by each server process.
    pub page_requests_per_minute: NonZeroU32,
    /// New accounts per hour from one client address.
    pub sign_ups_per_address: Quota,
    /// How much one account may keep.
    pub quotas: Quotas,
    /// Live streams (build events, chat replies) open at once.
    pub streams: StreamLimits,
    /// The bearer token `GET /metrics` asks for; without one it is off.
    pub metrics_token: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            public_origin: None,
            allowed_hosts: Vec::new(),
            secure_cookies: false,
            session_lifetime: Duration::from_secs(14 * 24 * 3600),
            throttle: ThrottlePolicy::default(),
            trust_forwarded_for: false,
            api_requests: Quota::per_minute(100),
            // Ten a second on average: opening a build page with a long log takes about thirty.
            page_requests_per_minute: NonZeroU32::new(600).unwrap_or(NonZeroU32::MIN),
            sign_ups_per_address: Quota::per_hour(20),
            quotas: Quotas::default(),
            streams: StreamLimits::default(),
            metrics_token: None,
        }
    }
}

pub(super) fn read_auth(reader: &mut Reader<'_>) -> Option<AuthConfig> {
    let public_origin = reader.parsed("PUBLIC_URL", Some(None), |value| origin_of(value).map(Some));
    let defaults = AuthConfig::default();
    let session_lifetime =
        reader.parsed("SESSION_LIFETIME_HOURS", Some(defaults.session_lifetime), |value| {
            match value.parse::<u64>() {
                Ok(hours) if (1..=24 * 365).contains(&hours) => Ok(Duration::from_secs(hours * 3600)),
                _ => Err("expected a whole number of hours from 1 to 8760".into()),
            }
        });
    let max_failures_per_pair = reader.parsed(
        "SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS",
        Some(defaults.throttle.max_failures_per_account_and_address),
        attempts,
    );
    let max_failures_per_account = reader.parsed(
        "SIGN_IN_MAX_FAILURES_PER_ACCOUNT",
        Some(defaults.throttle.max_failures_per_account),
        attempts,
    );
    let max_failures_per_address = reader.parsed(
        "SIGN_IN_MAX_FAILURES_PER_ADDRESS",
        Some(defaults.throttle.max_failures_per_address),
        attempts,
    );
    let window = reader.parsed("SIGN_IN_THROTTLE_WINDOW_SECS", Some(defaults.throttle.window), seconds);
    let trust_forwarded_for = reader.parsed("TRUST_X_FORWARDED_FOR", Some(false), boolean);
    let allowed_hosts = reader.parsed("ALLOWED_HOSTS", Some(Vec::new()), host_names);
    let api_requests = reader.parsed("API_REQUESTS_PER_MINUTE", Some(defaults.api_requests), |value| {
        whole(value, 1, 1_000_000).map(|limit| Quota::per_minute(limit as u32))
    });
    let page_requests =
        reader.parsed("PAGE_REQUESTS_PER_MINUTE", Some(defaults.page_requests_per_minute), |value| {
            whole(value, 1, 1_000_000).map(|limit| NonZeroU32::new(limit as u32).unwrap_or(NonZeroU32::MIN))
        });
    let sign_ups =
        reader.parsed("SIGN_UPS_PER_ADDRESS_PER_HOUR", Some(defaults.sign_ups_per_address), |value| {
            whole(value, 1, 1_000_000).map(|limit| Quota::per_hour(limit as u32))
        });
    let quotas = read_quotas(reader, defaults.quotas);
    let metrics_token = reader.parsed("METRICS_TOKEN", Some(None), |value| {
        if value.chars().count() >= 16 && value.chars().all(|c| c.is_ascii_graphic()) {
            Ok(Some(value.to_owned()))
        } else {
            Err("expected at least 16 characters without spaces, e.g. from `openssl rand -hex 32`".into())
        }
    });
    let streams_per_user = reader
        .parsed("LIVE_STREAMS_PER_USER", Some(defaults.streams.per_user), |value| whole(value, 1, 10_000));
    let streams_total = reader
        .parsed("LIVE_STREAMS_TOTAL", Some(defaults.streams.total), |value| whole(value, 1, 10_000_000));
    let public_origin = public_origin?;
    Some(AuthConfig {
        secure_cookies: public_origin.as_deref().is_some_and(|origin| origin.starts_with("https://")),
        public_origin,
        allowed_hosts: allowed_hosts?,
        session_lifetime: session_lifetime?,
        throttle: ThrottlePolicy {
            max_failures_per_account_and_address: max_failures_per_pair?,
            max_failures_per_account: max_failures_per_account?,
            max_failures_per_address: max_failures_per_address?,
            window: window?,
        },
        trust_forwarded_for: trust_forwarded_for?,
        api_requests: api_requests?,
        page_requests_per_minute: page_requests?,
        sign_ups_per_address: sign_ups?,
        quotas: quotas?,
        streams: StreamLimits { per_user: streams_per_user?, total: streams_total? },
        metrics_token: metrics_token?,
    })
}

const MIB: i64 = 1024 * 1024;

/// MAX_*_PER_USER and MAX_VERSIONS_PER_SPEC: how much one account may keep.
fn read_quotas(reader: &mut Reader<'_>, defaults: Quotas) -> Option<Quotas> {
    let mut quota = |name: &str, default: i64| {
        reader.parsed(name, Some(default), |value| whole(value, 1, 1_000_000).map(|n| n as i64))
    };
    let specs = quota("MAX_SPECS_PER_USER", defaults.specs);
    let versions_per_spec = quota("MAX_VERSIONS_PER_SPEC", defaults.versions_per_spec);
    let spec_megabytes = quota("MAX_SPEC_MB_PER_USER", defaults.spec_bytes / MIB);
    let chats = quota("MAX_CHATS_PER_USER", defaults.chats);
    let projects = quota("MAX_PROJECTS_PER_USER", defaults.projects);
    let api_tokens = quota("MAX_API_TOKENS_PER_USER", defaults.api_tokens);
    let webhooks = quota("MAX_WEBHOOKS_PER_USER", defaults.webhooks);
    Some(Quotas {
        specs: specs?,
        versions_per_spec: versions_per_spec?,
        spec_bytes: spec_megabytes? * MIB,
        chats: chats?,
        projects: projects?,
        api_tokens: api_tokens?,
        webhooks: webhooks?,
    })
}

/// A comma-separated list of host names (`agents.example.com, agents.internal`).
fn host_names(value: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let is_name = |name: &str| name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    match names.iter().find(|name| !is_name(name)) {
        Some(name) => Err(format!(
            "\"{name}\" is not a host name; expected names without scheme or port, e.g. agents.example.com,agents.internal"
        )),
        None => Ok(names),
    }
}

/// `scheme://host[:port]` of a URL, lower-cased, as browsers send it in `Origin`.
fn origin_of(url: &str) -> Result<String, String> {
    let expected = "expected the address people open, e.g. https://agents.example.com";
    let (scheme, rest) = url.split_once("://").ok_or(expected)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(expected.into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(expected.into());
    }
    let authority = authority.to_ascii_lowercase();
    // Browsers leave the default port out of Origin.
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_owned(),
        _ => authority,
    };
    Ok(format!("{scheme}://{authority}"))
}
