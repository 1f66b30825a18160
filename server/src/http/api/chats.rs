//! `/api/chats`: the REST face of the chats service, and the reply stream
//! the chat page follows (server-sent events).

use std::convert::Infallible;

use app::model::chats::{
    chat_not_found, ChatDetail, ChatSummary, ReplyEvent, MAX_CHAT_TITLE_CHARS, MAX_MESSAGE_BYTES,
};
use app::model::specs::{SpecDetail, MAX_SPEC_BYTES, MAX_SPEC_NAME_CHARS};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::event_streams::{add_component, event_stream, StreamedEvent};
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::signed_in_stream::{while_signed_in, StreamCredential};
use crate::http::AppState;

/// A malformed id names no chat, exactly like someone else's.
fn chat_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| chat_not_found().into())
}

/// Your chats with the spec assistant, most recently active first.
#[utoipa::path(get, path = "/chats", tag = "chats", responses((status = OK, body = Vec<ChatSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
) -> Result<Json<Vec<ChatSummary>>, ApiError> {
    Ok(Json(state.backend.chats.list(&owner).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MessageBody {
    #[schema(schema_with = app::model::text_schemas::written_text::<MAX_MESSAGE_BYTES>)]
    message: String,
}

/// Start a chat with a first message. 202: the reply is being written;
/// follow it at `/api/chats/{id}/reply`. Counts toward the hourly limit of
/// model requests.
#[utoipa::path(post, path = "/chats", tag = "chats", request_body = MessageBody,
    responses((status = ACCEPTED, body = ChatDetail), (status = CONFLICT, description = "The account keeps as many as it may; the message says what to delete", body = ErrorBody), (status = TOO_MANY_REQUESTS, response = crate::http::api::openapi::RateLimited)))]
pub async fn start(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<ChatDetail>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.backend.chats.start(&owner, body.message).await?)))
}

/// One chat with every message, including a reply being written.
#[utoipa::path(get, path = "/chats/{id}", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")), responses((status = OK, body = ChatDetail)))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ChatDetail>, ApiError> {
    Ok(Json(state.backend.chats.get(&owner, chat_id(&id)?).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameBody {
    #[schema(schema_with = app::model::text_schemas::visible_text::<MAX_CHAT_TITLE_CHARS>)]
    title: String,
}

/// Rename a chat.
#[utoipa::path(patch, path = "/chats/{id}", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")), request_body = RenameBody,
    responses((status = OK, body = ChatDetail)))]
pub async fn rename(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RenameBody>,
) -> Result<Json<ChatDetail>, ApiError> {
    let id = chat_id(&id)?;
    Ok(Json(state.backend.chats.rename(&owner, id, body.title).await?))
}

/// Delete a chat; specs saved from it stay.
#[utoipa::path(delete, path = "/chats/{id}", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")),
    responses((status = NO_CONTENT, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.chats.delete(&owner, chat_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a message; the reply is written in the background (202).
#[utoipa::path(post, path = "/chats/{id}/messages", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")), request_body = MessageBody,
    responses((status = ACCEPTED, body = ChatDetail), (status = CONFLICT, description = "A reply is still being written", body = ErrorBody), (status = TOO_MANY_REQUESTS, response = crate::http::api::openapi::RateLimited)))]
pub async fn send(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<ChatDetail>), ApiError> {
    let id = chat_id(&id)?;
    Ok((StatusCode::ACCEPTED, Json(state.backend.chats.send(&owner, id, body.message).await?)))
}

/// Stop the reply being written; the text so far is kept.
#[utoipa::path(post, path = "/chats/{id}/stop", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")), responses((status = OK, body = ChatDetail)))]
pub async fn stop(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ChatDetail>, ApiError> {
    Ok(Json(state.backend.chats.stop(&owner, chat_id(&id)?).await?))
}

/// Replace the last answer with a new one (202).
#[utoipa::path(post, path = "/chats/{id}/retry", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")),
    responses((status = ACCEPTED, body = ChatDetail), (status = CONFLICT, description = "A reply is still being written", body = ErrorBody), (status = TOO_MANY_REQUESTS, response = crate::http::api::openapi::RateLimited)))]
pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ChatDetail>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.backend.chats.retry(&owner, chat_id(&id)?).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct SaveSpecBody {
    /// The assistant message whose spec block is saved.
    message_id: Uuid,
    #[schema(schema_with = app::model::text_schemas::visible_text::<MAX_SPEC_NAME_CHARS>)]
    name: String,
}

/// Save the spec block of a reply as a new spec linked to the chat.
#[utoipa::path(post, path = "/chats/{id}/specs", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")), request_body = SaveSpecBody,
    responses((status = CREATED, body = SpecDetail), (status = CONFLICT, description = "The account keeps as many as it may; the message says what to delete", body = ErrorBody)))]
pub async fn save_spec(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SaveSpecBody>,
) -> Result<(StatusCode, Json<SpecDetail>), ApiError> {
    let id = chat_id(&id)?;
    let spec = state.backend.chats.save_spec(&owner, id, body.message_id, body.name).await?;
    Ok((StatusCode::CREATED, Json(spec)))
}

#[derive(Deserialize, ToSchema)]
pub struct RefineBody {
    #[schema(schema_with = app::model::text_schemas::written_text::<MAX_SPEC_BYTES>)]
    content: String,
}

#[derive(Serialize, ToSchema)]
pub struct RefinedSpec {
    content: String,
}

/// Ask the assistant to improve a spec draft; counts toward the hourly
/// limit of model requests.
#[utoipa::path(post, path = "/specs/refine", tag = "specs", request_body = RefineBody,
    responses((status = OK, body = RefinedSpec), (status = TOO_MANY_REQUESTS, response = crate::http::api::openapi::RateLimited)))]
pub async fn refine_spec(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<RefineBody>,
) -> Result<Json<RefinedSpec>, ApiError> {
    Ok(Json(RefinedSpec { content: state.backend.chats.refine_spec(&owner, body.content).await? }))
}

/// The reply being written, as server-sent events: `snapshot` (the text so
/// far), `delta`s, then `done`; or `idle` at once when no reply is being
/// written. Any server answers it: one that is not writing the reply sends
/// what the writer saves, each second. A follower that falls too far behind is disconnected, and its
/// browser reconnects to a fresh snapshot.
#[utoipa::path(get, path = "/chats/{id}/reply", tag = "chats", params(("id" = Uuid, Path, description = "The chat's id")),
    responses((status = OK, description = "Server-sent events, each named after its `type`", content_type = "text/event-stream", body = ReplyStreamEvent)))]
pub async fn follow_reply(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    credential: StreamCredential,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let events = state.chats.follow(&owner, chat_id(&id)?).await?;
    // Freed when the stream closes, as it goes with it.
    let slot = state.streams.acquire(owner.id)?;
    let stream = events.map(move |event| {
        let _slot = &slot;
        sse_event(&event)
    });
    let stream = while_signed_in(state.clone(), credential, stream);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A reply event as the stream sends it: `event` names it after its
/// `type`, and `data` holds it as JSON.
struct ReplyStreamEvent;

impl PartialSchema for ReplyStreamEvent {
    fn schema() -> RefOr<Schema> {
        event_stream(&[StreamedEvent::of::<ReplyEvent>(&["snapshot", "delta", "done", "idle"], None)])
    }
}

impl ToSchema for ReplyStreamEvent {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        add_component::<ReplyEvent>(schemas);
    }
}

fn sse_event(event: &ReplyEvent) -> Result<Event, Infallible> {
    // Serialising these plain enums cannot fail.
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Ok(Event::default().event(event.name()).data(data))
}
