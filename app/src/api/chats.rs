//! The server functions of the chat and wizard pages (the REST API under
//! `/api/chats` calls the same ports).

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::chats::{ChatDetail, ChatPage, ChatSummary};
use crate::model::specs::SpecDetail;

#[server(prefix = "/fn", endpoint = "list_chats")]
pub async fn list_chats() -> Result<Vec<ChatSummary>, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move { backend.chats.list(&owner).await })
        .await
}

/// The chat, with its replies' Markdown rendered.
#[server(prefix = "/fn", endpoint = "get_chat")]
pub async fn get_chat(id: Uuid) -> Result<ChatPage, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let chat = backend.chats.get(&owner, id).await?;
        let rendered = chat
            .messages
            .iter()
            .filter(|message| message.role == crate::model::chats::MessageRole::Assistant)
            .map(|message| crate::markdown::render_reply(message.id, &message.content))
            .collect();
        Ok(ChatPage { chat, rendered })
    })
    .await
}

/// Starts a chat with its first message; the reply streams from
/// `/api/chats/{id}/reply`. Without JavaScript, the form lands on the chat.
#[server(prefix = "/fn", endpoint = "start_chat")]
pub async fn start_chat(message: String) -> Result<ChatDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let chat = backend.chats.start(&owner, message).await?;
        leptos_axum::redirect(&format!("/chat/{}", chat.id));
        Ok(chat)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "send_chat_message")]
pub async fn send_chat_message(chat_id: Uuid, message: String) -> Result<ChatDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let chat = backend.chats.send(&owner, chat_id, message).await?;
        leptos_axum::redirect(&format!("/chat/{chat_id}"));
        Ok(chat)
    })
    .await
}

/// Stops the reply being written; its text so far is kept.
#[server(prefix = "/fn", endpoint = "stop_chat_reply")]
pub async fn stop_chat_reply(chat_id: Uuid) -> Result<ChatDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.chats.stop(&owner, chat_id).await
    })
    .await
}

/// Writes the last answer again, replacing it.
#[server(prefix = "/fn", endpoint = "retry_chat_reply")]
pub async fn retry_chat_reply(chat_id: Uuid) -> Result<ChatDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.chats.retry(&owner, chat_id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "rename_chat")]
pub async fn rename_chat(chat_id: Uuid, title: String) -> Result<ChatDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.chats.rename(&owner, chat_id, title).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "delete_chat")]
pub async fn delete_chat(chat_id: Uuid) -> Result<(), AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.chats.delete(&owner, chat_id).await
    })
    .await
}

/// Saves the spec in one of the chat's replies as a new spec linked to the chat.
#[server(prefix = "/fn", endpoint = "save_chat_spec")]
pub async fn save_chat_spec(chat_id: Uuid, message_id: Uuid, name: String) -> Result<SpecDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.chats.save_spec(&owner, chat_id, message_id, name).await
    })
    .await
}

/// Asks the model to improve a spec draft; answers the improved spec.
#[server(prefix = "/fn", endpoint = "refine_spec")]
pub async fn refine_spec(content: String) -> Result<String, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.chats.refine_spec(&owner, content).await
    })
    .await
}
