//! Every setting of the server, read from the environment (and `.env`),
//! validated once at start-up: one file per section, each reading through
//! [`reader::Reader`], which gathers every problem so a person fixes them
//! in one go. `env.example` documents each setting.

mod auth;
mod builds;
mod database;
mod llm;
mod previews;
mod process;
mod reader;
mod sandbox;
mod storage;
mod webhooks;

pub use self::auth::{AuthConfig, StreamLimits, ThrottlePolicy};
pub use self::database::DatabaseConfig;
pub use self::process::{LogFormat, ProcessConfig};
pub use self::storage::StorageConfig;

use std::path::PathBuf;

use self::reader::Reader;
use crate::builds::BuildSettings;
use crate::llm::LlmConfig;
use crate::previews::PreviewSettings;
use crate::sandbox::local::LocalEngineConfig;
use crate::webhooks::WebhookSettings;

#[derive(Debug, Clone)]
pub struct Config {
    pub process: ProcessConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub llm: LlmConfig,
    pub builds: BuildSettings,
    /// The local sandbox engine: where work directories live, and limits.
    pub sandbox: LocalEngineConfig,
    /// Where build artifacts go, and how long they stay.
    pub storage: StorageConfig,
    pub webhooks: WebhookSettings,
    /// Live previews of built apps: where they are served, and their limits.
    pub previews: PreviewSettings,
    /// Where the sandboxes and local storage live unless told otherwise.
    pub data_dir: PathBuf,
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
        let mut reader = Reader::new(&lookup);
        let process = process::read_process(&mut reader);
        let database = database::read_database(&mut reader);
        let data_dir =
            reader.parsed("DATA_DIR", Some(PathBuf::from("data")), |value| Ok(PathBuf::from(value)));
        let auth = auth::read_auth(&mut reader);
        let llm = llm::read_llm(&mut reader);
        let builds = builds::read_builds(&mut reader);
        let sandbox = sandbox::read_sandbox(&mut reader, data_dir.as_deref());
        let storage = storage::read_storage(&mut reader, data_dir.as_deref());
        let webhooks = webhooks::read_webhooks(&mut reader);
        let previews = previews::read_previews(&mut reader);
        let config =
            match (process, database, auth, llm, builds, sandbox, storage, webhooks, previews, data_dir) {
                (
                    Some(process),
                    Some(database),
                    Some(auth),
                    Some(llm),
                    Some(builds),
                    Some(sandbox),
                    Some(storage),
                    Some(webhooks),
                    Some(previews),
                    Some(data_dir),
                ) => Some(Config {
                    process,
                    database,
                    auth,
                    llm,
                    builds,
                    sandbox,
                    storage,
                    webhooks,
                    previews,
                    data_dir,
                }),
                _ => None,
            };
        if let Some(config) = &config {
            let preview = config.previews.origin.as_ref();
            if let (Some(preview), Some(public)) = (preview, config.auth.public_origin.as_deref()) {
                if preview.shares_cookies_with(public) {
                    reader.problem(format!(
                        "PREVIEW_ORIGIN is on the host of PUBLIC_URL ({public}) or beneath it: a built app \
                         could then read or set the platform's cookies. Serve previews from another host name, \
                         e.g. https://*.preview-example.net"
                    ));
                }
            }
        }
        reader.finish(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ProviderKind;
    use crate::sandbox::SandboxNetwork;
    use std::collections::HashMap;
    use std::time::Duration;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    const URL: (&str, &str) = ("DATABASE_URL", "postgres://app:secret@127.0.0.1:5432/app");

    #[test]
    fn defaults_apply_when_only_the_database_is_set() {
        let config = config_from(&[URL]).expect("valid");
        assert_eq!(config.process.site_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.database.max_connections, 10);
        assert_eq!(config.database.statement_timeout, Duration::from_secs(30));
        assert_eq!(config.process.log_format, LogFormat::Pretty);
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.sandbox.root, PathBuf::from("data/sandboxes"));
        assert!(matches!(config.sandbox.network, SandboxNetwork::None));
        assert!(!config.sandbox.allow_unisolated && !config.sandbox.allow_unlimited);
        assert_eq!(config.sandbox.limits.disk_bytes, 2048 * 1024 * 1024);
        assert_eq!(config.builds.workers, 2);
    }

    #[test]
    fn previews_are_served_on_their_own_host_or_not_at_all() {
        let config = config_from(&[URL]).expect("valid");
        assert_eq!(config.previews.listen, Some("127.0.0.1:3002".parse().unwrap()));
        let origin = config.previews.origin.expect("an origin");
        assert_eq!(origin.for_build(uuid::Uuid::nil()), "http://localhost:3002");
        assert_eq!(config.previews.idle, Duration::from_secs(15 * 60));

        let config = config_from(&[
            URL,
            ("PREVIEW_ADDR", "0.0.0.0:4000"),
            ("PREVIEW_ORIGIN", "https://*.preview.example.net"),
            ("PREVIEW_IDLE_MINUTES", "5"),
            ("PUBLIC_URL", "https://agents.example.com"),
        ])
        .expect("valid");
        let build = uuid::Uuid::now_v7();
        let origin = config.previews.origin.expect("an origin");
        assert_eq!(origin.for_build(build), format!("https://{build}.preview.example.net"));
        assert_eq!(config.previews.idle, Duration::from_secs(5 * 60));

        let off = config_from(&[URL, ("PREVIEW_ADDR", "off")]).expect("valid");
        assert!(off.previews.listen.is_none() && off.previews.origin.is_none());

        let error = config_from(&[
            URL,
            ("PREVIEW_ORIGIN", "https://*.example.com"),
            ("PUBLIC_URL", "https://agents.example.com"),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("PREVIEW_ORIGIN is on the host of PUBLIC_URL"), "{error}");
        let error =
            config_from(&[URL, ("PREVIEW_ORIGIN", "preview.example.com"), ("PREVIEW_IDLE_MINUTES", "0")])
                .unwrap_err();
        assert_eq!(error.problems.len(), 2, "{error}");
    }

    #[test]
    fn webhook_settings_are_read_and_checked() {
        let config = config_from(&[URL]).expect("valid");
        assert!(!config.webhooks.allow_private_networks, "private networks are refused by default");
        let config = config_from(&[
            URL,
            ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
            ("WEBHOOK_MAX_ATTEMPTS", "3"),
            ("WEBHOOK_FIRST_RETRY_SECS", "5"),
            ("WEBHOOK_TIMEOUT_SECS", "20"),
        ])
        .expect("valid");
        assert!(config.webhooks.allow_private_networks);
        assert_eq!(config.webhooks.max_attempts, 3);
        assert_eq!(config.webhooks.first_retry, Duration::from_secs(5));
        assert_eq!(config.webhooks.timeout, Duration::from_secs(20));
        let error =
            config_from(&[URL, ("WEBHOOK_MAX_ATTEMPTS", "0"), ("WEBHOOK_TIMEOUT_SECS", "600")]).unwrap_err();
        assert_eq!(error.problems.len(), 2, "{error}");
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
    fn a_reply_is_given_half_an_hour_unless_told_otherwise_and_never_more_than_a_day() {
        assert_eq!(config_from(&[URL]).unwrap().llm.reply_timeout, Duration::from_secs(30 * 60));
        let short = config_from(&[URL, ("LLM_REPLY_TIMEOUT_SECS", "300")]).unwrap().llm;
        assert_eq!(short.reply_timeout, Duration::from_secs(300));
        for endless in ["0", "86401", "18446744073709551615"] {
            let message = config_from(&[URL, ("LLM_REPLY_TIMEOUT_SECS", endless)]).unwrap_err().to_string();
            assert!(
                message.contains("LLM_REPLY_TIMEOUT_SECS") && message.contains("from 1 to 86400"),
                "{message}"
            );
        }
    }

    #[test]
    fn model_prices_are_read_and_a_bad_entry_is_reported() {
        let llm = config_from(&[URL, ("MODEL_PRICES", "claude-sonnet-4-5=3/15")]).unwrap().llm;
        assert_eq!(
            llm.model_prices.cost_micro_usd("anthropic", "claude-sonnet-4-5", 1_000_000, 0),
            Some(3_000_000)
        );
        assert_eq!(
            config_from(&[URL]).unwrap().llm.model_prices.cost_micro_usd("anthropic", "x", 1, 1),
            None
        );
        let message = config_from(&[URL, ("MODEL_PRICES", "gpt-4o=cheap/10")]).unwrap_err().to_string();
        assert!(message.contains("MODEL_PRICES") && message.contains("not a price in dollars"), "{message}");
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
    fn allowed_hosts_are_names_without_scheme_or_port() {
        let config = config_from(&[URL, ("ALLOWED_HOSTS", " Agents.Internal, agents.lan ,")]).expect("valid");
        assert_eq!(config.auth.allowed_hosts, ["agents.internal", "agents.lan"]);

        let message =
            config_from(&[URL, ("ALLOWED_HOSTS", "https://agents.internal")]).unwrap_err().to_string();
        assert!(message.contains("\"https://agents.internal\" is not a host name"), "{message}");
    }

    #[test]
    fn quotas_and_rate_limits_can_be_set() {
        let config = config_from(&[
            URL,
            ("MAX_SPECS_PER_USER", "5"),
            ("MAX_VERSIONS_PER_SPEC", "6"),
            ("MAX_SPEC_MB_PER_USER", "3"),
            ("API_REQUESTS_PER_MINUTE", "7"),
            ("BUILDS_STARTED_PER_HOUR", "8"),
            ("PAGE_REQUESTS_PER_MINUTE", "9"),
        ])
        .expect("valid");
        assert_eq!((config.auth.quotas.specs, config.auth.quotas.versions_per_spec), (5, 6));
        assert_eq!(config.auth.quotas.spec_bytes, 3 * 1024 * 1024);
        assert_eq!(config.auth.quotas.projects, 200, "the rest keep their defaults");
        assert_eq!(config.auth.api_requests, crate::rate_limits::Quota::per_minute(7));
        assert_eq!(config.builds.starts_per_user, crate::rate_limits::Quota::per_hour(8));
        assert_eq!(config.auth.page_requests_per_minute.get(), 9);
        assert_eq!(config_from(&[URL]).unwrap().auth.page_requests_per_minute.get(), 600);

        let error = config_from(&[
            URL,
            ("MAX_CHATS_PER_USER", "0"),
            ("SIGN_UPS_PER_ADDRESS_PER_HOUR", "many"),
            ("PAGE_REQUESTS_PER_MINUTE", "0"),
        ])
        .unwrap_err();
        assert_eq!(error.problems.len(), 3, "{error}");
    }

    #[test]
    fn json_logs_can_be_chosen_in_any_case() {
        let config = config_from(&[URL, ("LOG_FORMAT", "JSON")]).expect("valid");
        assert_eq!(config.process.log_format, LogFormat::Json);
    }
}
