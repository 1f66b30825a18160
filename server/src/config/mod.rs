//! Every setting of the server, read from the environment (and `.env`),
//! validated once at start-up. `env.example` documents each one.

mod storage;

pub use self::storage::StorageConfig;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::builds::BuildSettings;
use crate::llm::retry::RetryPolicy;
use crate::llm::{LlmConfig, ProviderKind};
use crate::sandbox::egress::{parse_host_list, EgressPolicy, HostPattern};
use crate::sandbox::local::{forwarder_beside_this_program, LocalEngineConfig, DEFAULT_SANDBOX_UID};
use crate::sandbox::{SandboxLimits, SandboxNetwork};

/// How log lines are written to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-friendly, coloured when a terminal is attached.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: usize,
    /// How long a request waits for a free connection before answering 503.
    pub acquire_timeout: Duration,
    /// Upper bound for any single SQL statement.
    pub statement_timeout: Duration,
}

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

#[derive(Debug, Clone)]
pub struct Config {
    pub site_addr: SocketAddr,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub llm: LlmConfig,
    pub builds: BuildSettings,
    /// The local sandbox engine: where work directories live, and limits.
    pub sandbox: LocalEngineConfig,
    /// Where build artifacts go, and how long they stay.
    pub storage: StorageConfig,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// How long in-flight requests may take to finish after SIGTERM/Ctrl-C.
    pub shutdown_grace: Duration,
}

/// Every problem found in the configuration, reported together so a person
/// fixes them in one go.
#[derive(Debug, thiserror::Error)]
#[error("the configuration is invalid:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Err(error) = dotenvy::dotenv() {
            if !error.not_found() {
                return Err(ConfigError { problems: vec![format!(".env could not be read: {error}")] });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut reader = Reader { lookup: &lookup, problems: Vec::new() };

        let site_addr = reader.parsed("LEPTOS_SITE_ADDR", "127.0.0.1:3000".parse().ok(), |value| {
            value.parse::<SocketAddr>().map_err(|_| "expected host:port, e.g. 127.0.0.1:3000".into())
        });
        let url = reader.required_secret(
            "DATABASE_URL",
            "set it to postgres://user:password@host:port/database \
             (scripts/dev starts an embedded PostgreSQL and sets it for you)",
            |value| {
                if value.starts_with("postgres://") || value.starts_with("postgresql://") {
                    Ok(())
                } else {
                    Err("expected a URL starting with postgres:// or postgresql://".into())
                }
            },
        );
        let max_connections =
            reader.parsed("DATABASE_MAX_CONNECTIONS", Some(10), |value| match value.parse::<usize>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err("expected a whole number from 1 to 1000".into()),
            });
        let acquire_timeout =
            reader.parsed("DATABASE_ACQUIRE_TIMEOUT_SECS", Some(Duration::from_secs(5)), seconds);
        let statement_timeout =
            reader.parsed("DATABASE_STATEMENT_TIMEOUT_SECS", Some(Duration::from_secs(30)), seconds);
        let data_dir = reader.parsed("DATA_DIR", Some(PathBuf::from("data")), |value| {
            if value.trim().is_empty() {
                Err("expected a directory path".into())
            } else {
                Ok(PathBuf::from(value))
            }
        });
        let log_format = reader.parsed("LOG_FORMAT", Some(LogFormat::Pretty), |value| {
            match value.to_ascii_lowercase().as_str() {
                "pretty" => Ok(LogFormat::Pretty),
                "json" => Ok(LogFormat::Json),
                _ => Err("expected pretty or json".into()),
            }
        });
        let shutdown_grace = reader.parsed("SHUTDOWN_GRACE_SECS", Some(Duration::from_secs(30)), seconds);
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
        let throttle_window =
            reader.parsed("SIGN_IN_THROTTLE_WINDOW_SECS", Some(defaults.throttle.window), seconds);
        let trust_forwarded_for = reader.parsed("TRUST_X_FORWARDED_FOR", Some(false), boolean);
        let llm = read_llm(&mut reader);
        let builds = read_builds(&mut reader);
        let sandbox = read_sandbox(&mut reader, data_dir.as_deref());
        let storage = storage::read_storage(&mut reader, data_dir.as_deref());

        if !reader.problems.is_empty() {
            return Err(ConfigError { problems: reader.problems });
        }
        // Every field was either parsed or recorded as a problem above.
        let missing = "checked: no problems means every value is present";
        Ok(Config {
            site_addr: site_addr.expect(missing),
            database: DatabaseConfig {
                url: url.expect(missing),
                max_connections: max_connections.expect(missing),
                acquire_timeout: acquire_timeout.expect(missing),
                statement_timeout: statement_timeout.expect(missing),
            },
            auth: {
                let public_origin = public_origin.expect(missing);
                AuthConfig {
                    secure_cookies: public_origin
                        .as_deref()
                        .is_some_and(|origin| origin.starts_with("https://")),
                    public_origin,
                    session_lifetime: session_lifetime.expect(missing),
                    throttle: ThrottlePolicy {
                        max_failures_per_account: max_failures_per_account.expect(missing),
                        max_failures_per_address: max_failures_per_address.expect(missing),
                        window: throttle_window.expect(missing),
                    },
                    trust_forwarded_for: trust_forwarded_for.expect(missing),
                }
            },
            llm: llm.expect(missing),
            builds: builds.expect(missing),
            sandbox: sandbox.expect(missing),
            storage: storage.expect(missing),
            data_dir: data_dir.expect(missing),
            log_format: log_format.expect(missing),
            shutdown_grace: shutdown_grace.expect(missing),
        })
    }
}

/// The model provider: the one LLM_PROVIDER names, else the one whose key
/// is set, else the built-in offline model.
fn read_llm<F: Fn(&str) -> Option<String>>(reader: &mut Reader<'_, F>) -> Option<LlmConfig> {
    let secret =
        |name: &str| (reader.lookup)(name).map(|value| value.trim().to_owned()).filter(|v| !v.is_empty());
    let anthropic_key = secret("ANTHROPIC_API_KEY");
    let openai_key = secret("OPENAI_API_KEY");
    let has_openai_url = secret("OPENAI_BASE_URL").is_some();
    let detected = if anthropic_key.is_some() {
        ProviderKind::Anthropic
    } else if openai_key.is_some() || has_openai_url {
        ProviderKind::OpenAi
    } else {
        ProviderKind::Offline
    };
    let kind =
        reader.parsed("LLM_PROVIDER", Some(detected), |value| match value.to_ascii_lowercase().as_str() {
            "offline" => Ok(ProviderKind::Offline),
            "anthropic" => Ok(ProviderKind::Anthropic),
            "openai" => Ok(ProviderKind::OpenAi),
            _ => Err("expected offline, anthropic or openai".into()),
        })?;
    let defaults = LlmConfig::default();
    let (api_key, base_url, model) = match kind {
        ProviderKind::Offline => (None, String::new(), defaults.model.clone()),
        ProviderKind::Anthropic => {
            if anthropic_key.is_none() {
                reader.problems.push("LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY".into());
            }
            let base =
                reader.parsed("ANTHROPIC_BASE_URL", Some("https://api.anthropic.com".into()), base_url);
            let model =
                reader.parsed("ANTHROPIC_MODEL", Some("claude-sonnet-4-5".into()), |v| Ok(v.to_owned()));
            (anthropic_key, base?, model?)
        }
        ProviderKind::OpenAi => {
            let base = reader.parsed("OPENAI_BASE_URL", Some("https://api.openai.com/v1".into()), base_url);
            let model = reader.parsed("OPENAI_MODEL", Some("gpt-4.1".into()), |v| Ok(v.to_owned()));
            (openai_key, base?, model?)
        }
    };
    let max_tokens =
        reader.parsed("LLM_MAX_TOKENS", Some(defaults.max_tokens), |value| match value.parse::<u32>() {
            Ok(n) if (256..=1_000_000).contains(&n) => Ok(n),
            _ => Err("expected a whole number of tokens from 256 to 1000000".into()),
        });
    let max_continuations =
        reader.parsed("LLM_MAX_CONTINUATIONS", Some(defaults.max_continuations), |value| {
            match value.parse::<u32>() {
                Ok(n) if n <= 20 => Ok(n),
                _ => Err("expected a whole number from 0 to 20".into()),
            }
        });
    let max_retries = reader.parsed("LLM_MAX_RETRIES", Some(defaults.retry.max_retries), |value| match value
        .parse::<u32>(
    ) {
        Ok(n) if n <= 10 => Ok(n),
        _ => Err("expected a whole number from 0 to 10".into()),
    });
    let idle_timeout = reader.parsed("LLM_IDLE_TIMEOUT_SECS", Some(defaults.idle_timeout), seconds);
    let offline_token_delay =
        reader.parsed("OFFLINE_LLM_TOKEN_DELAY_MS", Some(defaults.offline_token_delay), |value| match value
            .parse::<u64>()
        {
            Ok(n) if n <= 1000 => Ok(Duration::from_millis(n)),
            _ => Err("expected a whole number of milliseconds from 0 to 1000".into()),
        });
    Some(LlmConfig {
        kind,
        api_key,
        base_url,
        model,
        max_tokens: max_tokens?,
        max_continuations: max_continuations?,
        retry: RetryPolicy { max_retries: max_retries?, ..defaults.retry },
        idle_timeout: idle_timeout?,
        offline_token_delay: offline_token_delay?,
        ..defaults
    })
}

/// How builds run: workers, leases, and the limits that keep an agent from
/// running away.
fn read_builds<F: Fn(&str) -> Option<String>>(reader: &mut Reader<'_, F>) -> Option<BuildSettings> {
    let defaults = BuildSettings::default();
    let workers = reader.parsed("BUILD_WORKERS", Some(defaults.workers), |value| whole(value, 0, 64));
    let lease = reader.parsed("BUILD_LEASE_SECS", Some(defaults.lease), |value| {
        whole(value, 3, 3600).map(|secs| Duration::from_secs(secs as u64))
    });
    let max_sessions = reader.parsed("BUILD_MAX_SESSIONS", Some(defaults.max_sessions), |value| {
        whole(value, 1, 10_000).map(|n| n as u32)
    });
    let max_turns =
        reader.parsed("BUILD_MAX_TURNS_PER_SESSION", Some(defaults.max_turns_per_session), |value| {
            whole(value, 1, 10_000).map(|n| n as u32)
        });
    let max_active_time =
        reader.parsed("BUILD_MAX_ACTIVE_MINUTES", Some(defaults.max_active_time), |value| {
            whole(value, 1, 7 * 24 * 60).map(|minutes| Duration::from_secs(minutes as u64 * 60))
        });
    let token_budget = reader.parsed("BUILD_TOKEN_BUDGET", Some(defaults.token_budget), |value| match value
        .parse::<u64>()
    {
        Ok(n) if (1_000..=10_000_000_000).contains(&n) => Ok(n),
        _ => Err("expected a whole number of tokens from 1000 to 10000000000".into()),
    });
    let max_stalled =
        reader.parsed("BUILD_MAX_STALLED_SESSIONS", Some(defaults.max_stalled_sessions), |value| {
            whole(value, 1, 100).map(|n| n as u32)
        });
    let max_events = reader.parsed("BUILD_LOG_MAX_EVENTS", Some(defaults.max_events), |value| {
        whole(value, 1_000, 1_000_000_000).map(|n| n as i64)
    });
    let max_event_bytes = reader.parsed("BUILD_LOG_MAX_MB", Some(defaults.max_event_bytes), |value| {
        whole(value, 1, 1_048_576).map(|mb| mb as i64 * 1024 * 1024)
    });
    let step_delay =
        reader.parsed("OFFLINE_AGENT_STEP_DELAY_MS", Some(defaults.offline_step_delay), |value| {
            whole(value, 0, 60_000).map(|ms| Duration::from_millis(ms as u64))
        });
    Some(BuildSettings {
        workers: workers?,
        lease: lease?,
        max_sessions: max_sessions?,
        max_turns_per_session: max_turns?,
        max_active_time: max_active_time?,
        token_budget: token_budget?,
        max_stalled_sessions: max_stalled?,
        offline_step_delay: step_delay?,
        max_events: max_events?,
        max_event_bytes: max_event_bytes?,
        ..defaults
    })
}

/// Where build work directories live and what one command may use.
fn read_sandbox<F: Fn(&str) -> Option<String>>(
    reader: &mut Reader<'_, F>,
    data_dir: Option<&std::path::Path>,
) -> Option<LocalEngineConfig> {
    let defaults = SandboxLimits::default();
    let default_root = data_dir.map(|dir| dir.join("sandboxes"));
    let root = reader.parsed("SANDBOX_ROOT", default_root, |value| Ok(PathBuf::from(value)));
    // The old all-or-nothing switch is refused rather than ignored.
    let _ = reader.parsed("SANDBOX_ALLOW_NETWORK", Some(()), |_| {
        Err("replaced by SANDBOX_NETWORK (none, allowlist or host-unsafe)".to_owned())
    });
    let allowed_hosts =
        reader.parsed("SANDBOX_ALLOWED_HOSTS", Some(EgressPolicy::default_allowed_hosts()), host_list);
    let private_hosts = reader.parsed("SANDBOX_EGRESS_PRIVATE_HOSTS", Some(Vec::new()), host_list);
    let network = reader.parsed("SANDBOX_NETWORK", Some("none".to_owned()), |value| match value {
        "none" | "allowlist" | "host-unsafe" => Ok(value.to_owned()),
        _ => Err("expected none, allowlist or host-unsafe".into()),
    });
    let network = match (network?.as_str(), allowed_hosts, private_hosts) {
        ("allowlist", Some(allowed_hosts), Some(private_hosts)) => {
            Some(SandboxNetwork::Allowlist(Arc::new(EgressPolicy {
                allowed_hosts,
                private_hosts,
                ..EgressPolicy::new(Vec::new())
            })))
        }
        ("allowlist", ..) => None,
        ("host-unsafe", ..) => Some(SandboxNetwork::HostUnsafe),
        _ => Some(SandboxNetwork::None),
    };
    let sandbox_uid =
        reader.parsed("SANDBOX_UID", Some(DEFAULT_SANDBOX_UID), |value| match value.parse::<u32>() {
            Ok(0) => Err("builds must not run as root".into()),
            Ok(uid) if uid < 65_535 => Ok(uid),
            _ => Err("expected a user id from 1 to 65534".into()),
        });
    let forwarder = reader
        .parsed("SANDBOX_FORWARDER", Some(forwarder_beside_this_program()), |value| Ok(PathBuf::from(value)));
    let allow_unisolated = reader.parsed("SANDBOX_ALLOW_UNISOLATED", Some(false), boolean);
    let allow_unlimited = reader.parsed("SANDBOX_ALLOW_UNLIMITED", Some(false), boolean);
    let disk_bytes = reader.parsed("SANDBOX_DISK_MB", Some(defaults.disk_bytes), |value| {
        whole(value, 64, 16 * 1_048_576).map(|mb| mb as u64 * 1024 * 1024)
    });
    let cpu_millis =
        reader.parsed("SANDBOX_CPUS", Some(defaults.cpu_millis), |value| match value.parse::<f64>() {
            Ok(cpus) if (0.1..=1024.0).contains(&cpus) => Ok((cpus * 1000.0).round() as u64),
            _ => Err("expected a number of CPUs from 0.1 to 1024, like 1 or 1.5".into()),
        });
    let timeout = reader.parsed("SANDBOX_COMMAND_TIMEOUT_SECS", Some(defaults.timeout), seconds);
    let cpu_seconds = reader.parsed("SANDBOX_CPU_SECS", Some(defaults.cpu_seconds), |value| {
        whole(value, 1, 86_400).map(|n| n as u64)
    });
    let memory_bytes = reader.parsed("SANDBOX_MEMORY_MB", Some(defaults.memory_bytes), |value| {
        whole(value, 64, 1_048_576).map(|mb| mb as u64 * 1024 * 1024)
    });
    let max_processes = reader.parsed("SANDBOX_MAX_PROCESSES", Some(defaults.max_processes), |value| {
        whole(value, 8, 100_000).map(|n| n as u64)
    });
    let max_output_bytes = reader.parsed("SANDBOX_MAX_OUTPUT_MB", Some(defaults.max_output_bytes), |value| {
        whole(value, 1, 1024).map(|mb| mb * 1024 * 1024)
    });
    Some(LocalEngineConfig {
        root: root?,
        limits: SandboxLimits {
            timeout: timeout?,
            cpu_seconds: cpu_seconds?,
            memory_bytes: memory_bytes?,
            max_processes: max_processes?,
            cpu_millis: cpu_millis?,
            disk_bytes: disk_bytes?,
            max_output_bytes: max_output_bytes?,
        },
        network: network?,
        allow_unisolated: allow_unisolated?,
        allow_unlimited: allow_unlimited?,
        forwarder: forwarder?,
        sandbox_uid: sandbox_uid?,
    })
}

/// Host names and `*.domain` patterns, comma-separated.
fn host_list(value: &str) -> Result<Vec<HostPattern>, String> {
    parse_host_list(value)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
}

fn whole(value: &str, min: usize, max: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn base_url(value: &str) -> Result<String, String> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err("expected an http:// or https:// address".into())
    }
}

fn seconds(value: &str) -> Result<Duration, String> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err("expected a whole number of seconds greater than 0".into()),
    }
}

fn attempts(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err("expected a whole number of attempts from 1 to 10000".into()),
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

struct Reader<'a, F: Fn(&str) -> Option<String>> {
    lookup: &'a F,
    problems: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Reader<'_, F> {
    /// An optional setting: `default` when unset or empty, otherwise `parse`d.
    fn parsed<T>(
        &mut self,
        name: &str,
        default: Option<T>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match (self.lookup)(name).filter(|value| !value.trim().is_empty()) {
            None => default,
            Some(value) => match parse(value.trim()) {
                Ok(parsed) => Some(parsed),
                Err(reason) => {
                    self.problems.push(format!("{name}={value:?} is invalid: {reason}"));
                    None
                }
            },
        }
    }

    /// A required setting whose value must never be echoed (it may hold a password).
    fn required_secret(
        &mut self,
        name: &str,
        hint: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        match (self.lookup)(name).filter(|value| !value.trim().is_empty()) {
            None => {
                self.problems.push(format!("{name} is not set: {hint}"));
                None
            }
            Some(value) => match check(value.trim()) {
                Ok(()) => Some(value.trim().to_owned()),
                Err(reason) => {
                    self.problems.push(format!("{name} is invalid: {reason}"));
                    None
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    const URL: (&str, &str) = ("DATABASE_URL", "postgres://app:secret@127.0.0.1:5432/app");

    #[test]
    fn defaults_apply_when_only_the_database_is_set() {
        let config = config_from(&[URL]).expect("valid");
        assert_eq!(config.site_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.database.max_connections, 10);
        assert_eq!(config.database.statement_timeout, Duration::from_secs(30));
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.sandbox.root, PathBuf::from("data/sandboxes"));
        assert!(matches!(config.sandbox.network, SandboxNetwork::None));
        assert!(!config.sandbox.allow_unisolated && !config.sandbox.allow_unlimited);
        assert_eq!(config.sandbox.limits.disk_bytes, 2048 * 1024 * 1024);
        assert_eq!(config.builds.workers, 2);
    }

    #[test]
    fn build_and_sandbox_settings_are_read_and_checked() {
        let config = config_from(&[
            URL,
            ("BUILD_WORKERS", "0"),
            ("BUILD_TOKEN_BUDGET", "200000"),
            ("SANDBOX_MEMORY_MB", "512"),
            ("SANDBOX_ALLOW_UNISOLATED", "true"),
            ("SANDBOX_CPUS", "1.5"),
            ("SANDBOX_DISK_MB", "1024"),
        ])
        .expect("valid");
        assert_eq!(config.builds.workers, 0);
        assert_eq!(config.builds.token_budget, 200_000);
        assert_eq!(config.sandbox.limits.memory_bytes, 512 * 1024 * 1024);
        assert!(config.sandbox.allow_unisolated);
        assert_eq!(config.sandbox.limits.cpu_millis, 1500);
        assert_eq!(config.sandbox.limits.disk_bytes, 1024 * 1024 * 1024);
        let error = config_from(&[
            URL,
            ("BUILD_LEASE_SECS", "1"),
            ("SANDBOX_NETWORK", "sometimes"),
            ("SANDBOX_ALLOW_NETWORK", "true"),
        ])
        .unwrap_err();
        assert_eq!(error.problems.len(), 3, "{error}");
        assert!(error.to_string().contains("replaced by SANDBOX_NETWORK"), "{error}");
        let allowlist = config_from(&[
            URL,
            ("SANDBOX_NETWORK", "allowlist"),
            ("SANDBOX_ALLOWED_HOSTS", "registry.npmjs.org, *.pythonhosted.org"),
        ])
        .expect("valid");
        let SandboxNetwork::Allowlist(policy) = &allowlist.sandbox.network else { panic!("an allow-list") };
        assert_eq!(policy.allowed_hosts.len(), 2);
        let bad = config_from(&[URL, ("SANDBOX_NETWORK", "allowlist"), ("SANDBOX_ALLOWED_HOSTS", "*.com")]);
        assert!(bad.unwrap_err().to_string().contains("SANDBOX_ALLOWED_HOSTS"));
    }

    #[test]
    fn the_model_provider_follows_the_keys_that_are_set() {
        assert_eq!(config_from(&[URL]).unwrap().llm.kind, ProviderKind::Offline);
        let anthropic = config_from(&[URL, ("ANTHROPIC_API_KEY", "sk-ant-x")]).unwrap().llm;
        assert_eq!(anthropic.kind, ProviderKind::Anthropic);
        assert_eq!(anthropic.base_url, "https://api.anthropic.com");
        assert_eq!(anthropic.max_tokens, 32_000);
        let local = config_from(&[
            URL,
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1/"),
            ("OPENAI_MODEL", "llama3"),
        ])
        .unwrap()
        .llm;
        assert_eq!(
            (local.kind, local.base_url.as_str(), local.api_key),
            (ProviderKind::OpenAi, "http://127.0.0.1:11434/v1", None)
        );
        let forced =
            config_from(&[URL, ("ANTHROPIC_API_KEY", "k"), ("LLM_PROVIDER", "offline")]).unwrap().llm;
        assert_eq!(forced.kind, ProviderKind::Offline);
    }

    #[test]
    fn a_provider_without_its_key_is_reported_without_echoing_secrets() {
        let message = config_from(&[URL, ("LLM_PROVIDER", "anthropic"), ("OPENAI_API_KEY", "sk-secret")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("needs ANTHROPIC_API_KEY"), "{message}");
        assert!(!message.contains("sk-secret"), "{message}");
    }

    #[test]
    fn missing_database_url_says_how_to_get_one() {
        let message = config_from(&[]).unwrap_err().to_string();
        assert!(message.contains("DATABASE_URL is not set"), "{message}");
        assert!(message.contains("scripts/dev"), "{message}");
    }

    #[test]
    fn every_invalid_setting_is_reported_at_once() {
        let error = config_from(&[
            URL,
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("LOG_FORMAT", "xml"),
            ("SHUTDOWN_GRACE_SECS", "-1"),
        ])
        .unwrap_err();
        assert_eq!(error.problems.len(), 4, "{error}");
        let message = error.to_string();
        assert!(message.contains("LEPTOS_SITE_ADDR=\"localhost\" is invalid"), "{message}");
        assert!(message.contains("DATABASE_MAX_CONNECTIONS=\"0\""), "{message}");
        assert!(message.contains("expected pretty or json"), "{message}");
    }

    #[test]
    fn an_invalid_database_url_is_not_echoed() {
        let message =
            config_from(&[("DATABASE_URL", "mysql://root:hunter2@db/app")]).unwrap_err().to_string();
        assert!(message.contains("DATABASE_URL is invalid"), "{message}");
        assert!(!message.contains("hunter2"), "the password leaked: {message}");
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure_and_names_the_trusted_origin() {
        let config =
            config_from(&[URL, ("PUBLIC_URL", "HTTPS://Agents.Example.com:443/app/")]).expect("valid");
        assert_eq!(config.auth.public_origin.as_deref(), Some("https://agents.example.com"));
        assert!(config.auth.secure_cookies);

        let config = config_from(&[URL, ("PUBLIC_URL", "http://10.0.0.5:3000")]).expect("valid");
        assert_eq!(config.auth.public_origin.as_deref(), Some("http://10.0.0.5:3000"));
        assert!(!config.auth.secure_cookies);

        let config = config_from(&[URL]).expect("valid");
        assert_eq!(config.auth.public_origin, None);
        assert!(!config.auth.secure_cookies);
    }

    #[test]
    fn auth_settings_are_checked() {
        let error = config_from(&[
            URL,
            ("PUBLIC_URL", "agents.example.com"),
            ("SESSION_LIFETIME_HOURS", "0"),
            ("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", "many"),
            ("TRUST_X_FORWARDED_FOR", "maybe"),
        ])
        .unwrap_err();
        assert_eq!(error.problems.len(), 4, "{error}");
    }

    #[test]
    fn json_logs_can_be_chosen_in_any_case() {
        let config = config_from(&[URL, ("LOG_FORMAT", "JSON")]).expect("valid");
        assert_eq!(config.log_format, LogFormat::Json);
    }
}
