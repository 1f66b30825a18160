//! Language-model providers behind one streaming interface: Anthropic's
//! Messages API, OpenAI-compatible chat completions, and a built-in offline
//! model so every page works without a key. Providers know nothing of chats,
//! specs or HTTP routes.

pub mod anthropic;
pub mod config;
pub mod continuation;
pub mod offline;
pub mod openai;
pub mod prices;
pub mod prompts;
pub mod retry;
pub mod sse;
pub mod stream;

use std::sync::Arc;

// The interface every model implements, shared with the offline build agent.
pub use agent_protocol::llm::{
    collect_reply, CollectedReply, CompletionRequest, ContentBlock, EventStream, LlmProvider, Message,
    ProviderError, ProviderInfo, ProviderKind, Role, StopReason, StreamEvent, ToolCall, ToolDefinition,
    Usage,
};
pub use config::LlmConfig;

/// The provider the configuration asks for.
pub fn provider_from_config(config: &LlmConfig) -> Result<Arc<dyn LlmProvider>, ProviderError> {
    Ok(match config.kind {
        ProviderKind::Offline => Arc::new(offline::OfflineProvider::new(config.offline_token_delay)),
        ProviderKind::Anthropic => Arc::new(anthropic::AnthropicProvider::new(config)?),
        ProviderKind::OpenAi => Arc::new(openai::OpenAiProvider::new(config)?),
    })
}

#[cfg(test)]
mod properties;
