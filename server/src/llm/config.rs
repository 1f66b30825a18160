//! Which model answers, and how patiently: read from the environment by
//! `crate::config`, documented in `env.example`.

use std::fmt;
use std::time::Duration;

use super::prices::ModelPrices;
use super::retry::RetryPolicy;
use super::stream::ReplyTimeouts;
use super::ProviderKind;

#[derive(Clone)]
pub struct LlmConfig {
    pub kind: ProviderKind,
    /// Kept on the server only; `Debug` prints it redacted.
    pub api_key: Option<String>,
    /// Without the API path: `https://api.anthropic.com`, or `…/v1` for
    /// OpenAI-compatible servers.
    pub base_url: String,
    pub model: String,
    /// Output tokens allowed per response.
    pub max_tokens: u32,
    /// How many times a reply that stopped at `max_tokens` is continued.
    pub max_continuations: u32,
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    /// A stream silent for this long is abandoned.
    pub idle_timeout: Duration,
    /// A reply still going after this long is abandoned.
    pub reply_timeout: Duration,
    /// Pause between the offline model's tokens, so its replies stream like
    /// a real model's.
    pub offline_token_delay: Duration,
    /// What models cost (MODEL_PRICES), for the builds' cost estimates.
    pub model_prices: ModelPrices,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            kind: ProviderKind::Offline,
            api_key: None,
            base_url: String::new(),
            model: "offline-spec-writer".into(),
            max_tokens: 32_000,
            max_continuations: 4,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            reply_timeout: Duration::from_secs(30 * 60),
            offline_token_delay: Duration::from_millis(12),
            model_prices: ModelPrices::default(),
        }
    }
}

impl LlmConfig {
    pub fn reply_timeouts(&self) -> ReplyTimeouts {
        ReplyTimeouts { idle: self.idle_timeout, whole: self.reply_timeout }
    }
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("kind", &self.kind)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("max_tokens", &self.max_tokens)
            .field("max_continuations", &self.max_continuations)
            .field("retry", &self.retry)
            .field("idle_timeout", &self.idle_timeout)
            .field("reply_timeout", &self.reply_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        let config = LlmConfig { api_key: Some("sk-ant-secret-value".into()), ..LlmConfig::default() };
        let printed = format!("{config:?}");
        assert!(!printed.contains("secret-value"), "{printed}");
        assert!(printed.contains("<redacted>"));
    }
}
