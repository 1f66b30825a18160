//! Every setting of the server, read from the environment (and `.env`),
//! validated once at start-up. `env.example` documents each one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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

#[derive(Debug, Clone)]
pub struct Config {
    pub site_addr: SocketAddr,
    pub database: DatabaseConfig,
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
            data_dir: data_dir.expect(missing),
            log_format: log_format.expect(missing),
            shutdown_grace: shutdown_grace.expect(missing),
        })
    }
}

fn seconds(value: &str) -> Result<Duration, String> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err("expected a whole number of seconds greater than 0".into()),
    }
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
    fn json_logs_can_be_chosen_in_any_case() {
        let config = config_from(&[URL, ("LOG_FORMAT", "JSON")]).expect("valid");
        assert_eq!(config.log_format, LogFormat::Json);
    }
}
