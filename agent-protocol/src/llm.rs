//! A model's side of the conversation, whichever model it is: messages
//! with text, tool calls and their results, the events of a streamed reply,
//! the errors a provider reports, and the [`LlmProvider`] interface every
//! model implements (the hosted providers in the server, the built-in
//! offline agent in its own crate).

use std::pin::Pin;
use std::time::Duration;

use futures_util::Stream;
use serde_json::Value;

/// Who wrote a message of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One part of a message: text, a tool the model asks to run, or the result
/// of running it.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentBlock {
    Text(String),
    ToolUse(ToolCall),
    ToolResult { tool_use_id: String, content: String, is_error: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<ContentBlock>,
}

impl Message {
    pub fn user(text: impl Into<String>) -> Self {
        Self { role: Role::User, content: vec![ContentBlock::Text(text.into())] }
    }

    pub fn assistant(text: impl Into<String>) -> Self {
        Self { role: Role::Assistant, content: vec![ContentBlock::Text(text.into())] }
    }

    /// The message's text parts, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A tool the model may call, described by a JSON Schema of its input.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDefinition {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
}

/// A call the model made, with its input fully received.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub input: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolDefinition>,
    /// Upper bound of output tokens for one response.
    pub max_tokens: u32,
}

/// Tokens counted by the provider for one reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// More tokens than any model reads or writes in one reply; a provider
/// that reports more is mistaken, and its count is taken as this.
pub const MOST_TOKENS_IN_A_REPLY: u64 = 1 << 32;

impl Usage {
    /// The counts, each at most [`MOST_TOKENS_IN_A_REPLY`], so that no
    /// sum of them overflows what a build keeps.
    pub fn capped(self) -> Usage {
        Usage {
            input_tokens: self.input_tokens.min(MOST_TOKENS_IN_A_REPLY),
            output_tokens: self.output_tokens.min(MOST_TOKENS_IN_A_REPLY),
        }
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;

    /// Saturating: counts come from a provider, which may report anything.
    fn add(self, other: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens.saturating_add(other.input_tokens),
            output_tokens: self.output_tokens.saturating_add(other.output_tokens),
        }
    }
}

/// Why the model stopped writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    /// The reply reached `max_tokens`; it can be continued.
    MaxTokens,
    ToolUse,
    StopSequence,
    Other(String),
}

/// What a streaming reply delivers, in order: `Started` first, `Finished`
/// last. `Usage` carries the reply's running totals so far.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Started { model: String },
    TextDelta(String),
    ToolCall(ToolCall),
    Usage(Usage),
    Finished(StopReason),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the request itself (bad key, bad model, too
    /// long a prompt); retrying does not help.
    #[error("the model provider refused the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    /// Busy or failing after every retry.
    #[error("the model provider is unavailable (HTTP {status}) after {attempts} attempts: {message}")]
    Unavailable { status: u16, attempts: u32, message: String, retry_after: Option<Duration> },
    #[error("could not reach the model provider: {0}")]
    Connection(String),
    #[error("the model provider sent nothing for {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("the model provider's reply went on for more than {} seconds", .0.as_secs())]
    ReplyTooLong(Duration),
    /// An `error` event in the middle of a reply.
    #[error("the model provider stopped the reply with an error ({kind}): {message}")]
    Stream { kind: String, message: String },
    #[error("the model provider's reply could not be read: {0}")]
    Protocol(String),
}

pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, ProviderError>> + Send>>;

/// A model that streams replies.
#[async_trait::async_trait]
pub trait LlmProvider: Send + Sync + 'static {
    /// The provider and model, for the UI and for usage records (never the key).
    fn describe(&self) -> ProviderInfo;

    /// Starts a reply. Failures before the first byte (after retries) are
    /// the outer error; failures later arrive in the stream. Dropping the
    /// stream cancels the request.
    async fn stream(&self, request: CompletionRequest) -> Result<EventStream, ProviderError>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    pub kind: ProviderKind,
    pub model: String,
}

/// Which kind of model answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Built in, deterministic, no network: the default without a key.
    Offline,
    Anthropic,
    /// Any server speaking OpenAI's chat completions (Ollama, vLLM,
    /// llama.cpp, gateways).
    OpenAi,
}

impl ProviderKind {
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Offline => "offline",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenAi => "openai",
        }
    }
}

/// A reply gathered whole, for callers that do not show it as it arrives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectedReply {
    pub model: String,
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub stop_reason: Option<StopReason>,
}

/// Reads a stream to its end.
pub async fn collect_reply(mut events: EventStream) -> Result<CollectedReply, ProviderError> {
    use futures_util::StreamExt;

    let mut reply = CollectedReply::default();
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Started { model } => reply.model = model,
            StreamEvent::TextDelta(text) => reply.text.push_str(&text),
            StreamEvent::ToolCall(call) => reply.tool_calls.push(call),
            StreamEvent::Usage(usage) => reply.usage = usage,
            StreamEvent::Finished(reason) => reply.stop_reason = Some(reason),
        }
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_reporting_absurd_counts_cannot_overflow_a_total() {
        let absurd = Usage { input_tokens: u64::MAX, output_tokens: 7 }.capped();
        assert_eq!(absurd, Usage { input_tokens: MOST_TOKENS_IN_A_REPLY, output_tokens: 7 });
        let total = (0..1_000).fold(Usage::default(), |total, _| total + absurd);
        assert!(i64::try_from(total.input_tokens).is_ok(), "{total:?}");
        assert_eq!(
            Usage { input_tokens: u64::MAX, output_tokens: 0 } + absurd,
            Usage { input_tokens: u64::MAX, output_tokens: 7 }
        );
    }
}
