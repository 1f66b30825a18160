//! What of a chat the model reads: its newest messages, as many as fit a
//! budget. Sent whole, a long chat would grow past any model's window, and
//! every message after that would be refused (each refusal still spending
//! one of the hour's requests).

use app::model::chats::{ChatMessage, MessageRole};

use crate::llm::Message;

/// About 150k tokens of English: room, in a window of 200k, for the system
/// prompt and a long reply.
pub const CONTEXT_BUDGET_BYTES: usize = 600 * 1024;

/// Opens the first message the model reads when older ones were left out.
pub const LEFT_OUT_NOTE: &str =
    "(The earlier messages of this chat are left out: all of it is longer than you can read at once.)\n\n";

/// The chat as the model reads it: the newest messages with text that fit
/// `budget_bytes`, the newest always, starting with a person's message. A
/// reply that was stopped or failed still shows what it said.
pub fn conversation(messages: &[ChatMessage], budget_bytes: usize) -> Vec<Message> {
    let with_text: Vec<&ChatMessage> =
        messages.iter().filter(|message| !message.content.trim().is_empty()).collect();
    let mut first = with_text.len();
    let mut used = 0;
    while let Some(earlier) = first.checked_sub(1) {
        let size = with_text[earlier].content.len();
        if first < with_text.len() && used + size > budget_bytes {
            break;
        }
        used += size;
        first = earlier;
    }
    // The model's side of a conversation begins with a person's words.
    while with_text.get(first).is_some_and(|message| message.role != MessageRole::User) {
        first += 1;
    }
    let is_shortened = first > 0;
    with_text[first..]
        .iter()
        .enumerate()
        .map(|(index, message)| match message.role {
            MessageRole::User if index == 0 && is_shortened => {
                Message::user(format!("{LEFT_OUT_NOTE}{}", message.content))
            }
            MessageRole::User => Message::user(message.content.clone()),
            MessageRole::Assistant => Message::assistant(message.content.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use app::model::chats::ReplyStatus;
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::llm::{ContentBlock, Role};

    fn message(role: MessageRole, content: &str) -> ChatMessage {
        ChatMessage {
            id: Uuid::new_v4(),
            role,
            content: content.to_owned(),
            status: ReplyStatus::Complete,
            error: None,
            model: None,
            input_tokens: None,
            output_tokens: None,
            created_at: Utc::now(),
        }
    }

    fn texts(messages: &[Message]) -> Vec<(Role, String)> {
        messages
            .iter()
            .map(|message| {
                let [ContentBlock::Text(text)] = message.content.as_slice() else { panic!("one text block") };
                (message.role, text.clone())
            })
            .collect()
    }

    fn chat(sizes: &[usize]) -> Vec<ChatMessage> {
        sizes
            .iter()
            .enumerate()
            .map(|(turn, size)| {
                let role = if turn % 2 == 0 { MessageRole::User } else { MessageRole::Assistant };
                message(role, &format!("{turn}").repeat(*size))
            })
            .collect()
    }

    #[test]
    fn a_chat_within_the_budget_is_read_whole_without_its_empty_replies() {
        let mut messages = chat(&[10, 20, 30]);
        messages.push(message(MessageRole::Assistant, "  "));
        let read = texts(&conversation(&messages, 100));
        assert_eq!(read.len(), 3);
        assert_eq!(read[0], (Role::User, "0".repeat(10)));
        assert_eq!(read[2], (Role::User, "2".repeat(30)));
    }

    #[test]
    fn a_long_chat_is_read_from_a_persons_message_near_its_end_and_says_so() {
        // Turns 2 to 4 fit 100 bytes, and turn 2 is a person's.
        let messages = chat(&[40, 40, 40, 30, 30]);
        let read = texts(&conversation(&messages, 100));
        let roles: Vec<Role> = read.iter().map(|(role, _)| *role).collect();
        assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);
        assert_eq!(read[0].1, format!("{LEFT_OUT_NOTE}{}", "2".repeat(40)));
        assert_eq!(read[2].1, "4".repeat(30));
    }

    #[test]
    fn an_assistant_reply_that_would_open_the_window_is_left_out_too() {
        let messages = chat(&[40, 40, 30]);
        let read = texts(&conversation(&messages, 75));
        assert_eq!(read, [(Role::User, format!("{LEFT_OUT_NOTE}{}", "2".repeat(30)))]);
    }

    #[test]
    fn the_newest_message_is_read_even_alone_over_the_budget() {
        let messages = chat(&[10, 10, 500]);
        let read = texts(&conversation(&messages, 100));
        assert_eq!(read, [(Role::User, format!("{LEFT_OUT_NOTE}{}", "2".repeat(500)))]);
    }
}
