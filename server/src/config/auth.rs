//! Accounts and sessions: PUBLIC_URL, session lifetime, sign-in
//! throttling and the reverse proxy's forwarded address.

use std::time::Duration;

use super::reader::{attempts, boolean, seconds, Reader};

/// How many failed sign-ins are tolerated before further attempts are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures for one email address within `window`.
    pub max_failures_per_account: u32,
    /// Failures from one client address within `window`, whatever the email.
    pub max_failures_per_address: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_address: 50,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The origin browsers see (`https://agents.example.com`), from PUBLIC_URL.
    /// State-changing requests from any other origin are refused.
    pub public_origin: Option<String>,
    /// Whether the session cookie carries `Secure` (PUBLIC_URL is https).
    pub secure_cookies: bool,
    /// How long a session lasts without being used; each use extends it.
    pub session_lifetime: Duration,
    pub throttle: ThrottlePolicy,
    /// Take the client address from the last `X-Forwarded-For` entry, for a
    /// server behind a reverse proxy that sets it.
    pub trust_forwarded_for: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            public_origin: None,
            secure_cookies: false,
            session_lifetime: Duration::from_secs(14 * 24 * 3600),
            throttle: ThrottlePolicy::default(),
            trust_forwarded_for: false,
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
    let public_origin = public_origin?;
    Some(AuthConfig {
        secure_cookies: public_origin.as_deref().is_some_and(|origin| origin.starts_with("https://")),
        public_origin,
        session_lifetime: session_lifetime?,
        throttle: ThrottlePolicy {
            max_failures_per_account: max_failures_per_account?,
            max_failures_per_address: max_failures_per_address?,
            window: window?,
        },
        trust_forwarded_for: trust_forwarded_for?,
    })
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
