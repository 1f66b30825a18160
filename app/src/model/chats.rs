//! Chats with the spec assistant: the messages and replies the browser and
//! server share, and the limits both enforce.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::format::group_thousands;
use crate::model::specs::{clean_text, validate_name, MAX_SPEC_BYTES};

/// What one message may hold: room for a pasted spec and a question.
pub const MAX_MESSAGE_BYTES: usize = MAX_SPEC_BYTES + 16 * 1024;
pub const MAX_CHAT_TITLE_CHARS: usize = 200;
/// The product's limit on model requests (chat replies and refinements).
pub const MODEL_REQUESTS_PER_HOUR: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    User,
    Assistant,
}

/// Where an assistant's reply stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReplyStatus {
    Complete,
    /// Being written now.
    Streaming,
    /// The user pressed Stop; the text so far is kept.
    Stopped,
    /// The server restarted while writing it; the text so far is kept.
    Interrupted,
    /// The model provider failed; `error` says how.
    Failed,
}

impl ReplyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyStatus::Complete => "complete",
            ReplyStatus::Streaming => "streaming",
            ReplyStatus::Stopped => "stopped",
            ReplyStatus::Interrupted => "interrupted",
            ReplyStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Complete, Self::Streaming, Self::Stopped, Self::Interrupted, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub id: Uuid,
    pub role: MessageRole,
    pub content: String,
    pub status: ReplyStatus,
    pub error: Option<String>,
    /// The model that wrote an assistant message.
    pub model: Option<String>,
    pub input_tokens: Option<i32>,
    pub output_tokens: Option<i32>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChatSummary {
    pub id: Uuid,
    pub title: String,
    pub message_count: i64,
    pub is_replying: bool,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// A spec saved from a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedSpecRef {
    pub id: Uuid,
    pub name: String,
}

/// What every way in says of a chat the caller cannot see: missing,
/// deleted and someone else's alike (and a malformed id, which names none).
pub fn chat_not_found() -> AppError {
    AppError::NotFound("There is no such chat. It may have been deleted.".into())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChatDetail {
    pub id: Uuid,
    pub title: String,
    pub messages: Vec<ChatMessage>,
    pub saved_specs: Vec<SavedSpecRef>,
    /// The model that answers new messages, e.g. "anthropic · claude-…".
    pub assistant: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// A chat as its page shows it: the chat, and each reply's Markdown as the
/// server rendered it, so a page opened on a chat needs no Markdown parser
/// of its own (the browser fetches one when a reply streams). Nested, like
/// `SpecPage`, to keep a buffered second deserializer out of the WASM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatPage {
    pub chat: ChatDetail,
    /// One per assistant message.
    pub rendered: Vec<RenderedReply>,
}

/// A reply's Markdown as safe HTML (see `crate::markdown`): the text
/// around the spec it holds, and the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedReply {
    pub message_id: Uuid,
    pub before: String,
    pub spec: Option<String>,
    pub after: String,
}

impl ChatDetail {
    pub fn is_replying(&self) -> bool {
        self.messages.last().is_some_and(|message| message.status == ReplyStatus::Streaming)
    }
}

/// What the reply stream (`GET /api/chats/{id}/reply`, server-sent events)
/// sends: the text so far on connecting, then each piece as it arrives,
/// then how the reply ended. `Idle` means no reply is being written. The
/// browser reads it with its own reader (`event_readers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(Deserialize, utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyEvent {
    Snapshot { message_id: Uuid, content: String },
    Delta { message_id: Uuid, text: String },
    Done { message_id: Uuid, status: ReplyStatus, error: Option<String> },
    Idle,
}

impl ReplyEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            ReplyEvent::Snapshot { .. } => "snapshot",
            ReplyEvent::Delta { .. } => "delta",
            ReplyEvent::Done { .. } => "done",
            ReplyEvent::Idle => "idle",
        }
    }
}

/// A message as typed: cleaned, not blank, within the limit (413 when over).
pub fn validate_message(text: &str) -> Result<String, AppError> {
    let text = clean_text(text);
    if text.trim().is_empty() {
        return Err(AppError::Invalid("Write a message first.".into()));
    }
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(AppError::TooLarge(format!(
            "The message is {} bytes; a message holds at most {} bytes.",
            group_thousands(text.len()),
            group_thousands(MAX_MESSAGE_BYTES)
        )));
    }
    Ok(text.trim_end().to_owned())
}

pub fn validate_chat_title(title: &str) -> Result<String, AppError> {
    validate_name(title, "chat", MAX_CHAT_TITLE_CHARS)
}

/// A chat's first title: the first line of its first message, shortened.
pub fn title_from_message(message: &str) -> String {
    let line = message.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("New chat");
    let mut title: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        title.push('…');
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_oversized_messages_are_refused() {
        assert!(matches!(validate_message(" \n\t"), Err(AppError::Invalid(_))));
        let huge = "a".repeat(MAX_MESSAGE_BYTES + 1);
        assert!(matches!(validate_message(&huge), Err(AppError::TooLarge(_))));
        assert_eq!(validate_message("Hello\r\n").unwrap(), "Hello");
    }

    #[test]
    fn a_title_is_the_first_line_shortened() {
        assert_eq!(title_from_message("\n  A todo app\nwith tags"), "A todo app");
        let long = "x".repeat(100);
        assert_eq!(title_from_message(&long).chars().count(), 81);
    }

    #[test]
    fn reply_events_serialise_with_a_type_tag() {
        let json = serde_json::to_string(&ReplyEvent::Idle).unwrap();
        assert_eq!(json, r#"{"type":"idle"}"#);
    }
}
