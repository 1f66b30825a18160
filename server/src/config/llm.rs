//! The model provider: LLM_PROVIDER, the providers' keys, addresses and
//! models, and the limits of one request.

use std::time::Duration;

use super::reader::{base_url, seconds, Reader};
use crate::llm::prices::ModelPrices;
use crate::llm::retry::RetryPolicy;
use crate::llm::{LlmConfig, ProviderKind};

/// The longest a reply may be allowed to go on: past it a build's session would be held for days.
const ONE_DAY_SECS: u64 = 24 * 60 * 60;

/// The model provider: the one LLM_PROVIDER names, else the one whose key
/// is set, else the built-in offline model.
pub(super) fn read_llm(reader: &mut Reader<'_>) -> Option<LlmConfig> {
    let anthropic_key = reader.secret("ANTHROPIC_API_KEY");
    let openai_key = reader.secret("OPENAI_API_KEY");
    let has_openai_url = reader.secret("OPENAI_BASE_URL").is_some();
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
                reader.problem("LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY");
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
    let reply_timeout = reader.parsed("LLM_REPLY_TIMEOUT_SECS", Some(defaults.reply_timeout), |value| {
        match value.parse::<u64>() {
            Ok(n) if (1..=ONE_DAY_SECS).contains(&n) => Ok(Duration::from_secs(n)),
            _ => Err(format!("expected a whole number of seconds from 1 to {ONE_DAY_SECS}")),
        }
    });
    let offline_token_delay =
        reader.parsed("OFFLINE_LLM_TOKEN_DELAY_MS", Some(defaults.offline_token_delay), |value| match value
            .parse::<u64>()
        {
            Ok(n) if n <= 1000 => Ok(Duration::from_millis(n)),
            _ => Err("expected a whole number of milliseconds from 0 to 1000".into()),
        });
    let model_prices = reader.parsed("MODEL_PRICES", Some(ModelPrices::default()), ModelPrices::parse);
    Some(LlmConfig {
        kind,
        api_key,
        base_url,
        model,
        max_tokens: max_tokens?,
        max_continuations: max_continuations?,
        retry: RetryPolicy { max_retries: max_retries?, ..defaults.retry },
        idle_timeout: idle_timeout?,
        reply_timeout: reply_timeout?,
        offline_token_delay: offline_token_delay?,
        model_prices: model_prices?,
        ..defaults
    })
}
