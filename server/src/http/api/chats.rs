//! `/api/chats`: the REST face of the chats service, and the reply stream
//! the chat page follows (server-sent events).

use std::convert::Infallible;

use app::api::chats::{ChatDetail, ChatSummary, ReplyEvent};
use app::api::specs::SpecDetail;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::chats::replies::Following;
use crate::chats::service::chat_not_found;
use crate::http::api::error::ApiError;
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;

/// A malformed id names no chat, exactly like someone else's.
fn chat_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| chat_not_found().into())
}

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
) -> Result<Json<Vec<ChatSummary>>, ApiError> {
    Ok(Json(state.backend.chats.list(&owner).await?))
}

#[derive(Deserialize)]
pub struct MessageBody {
    message: String,
}

/// 202: the reply is being written; follow it at `/api/chats/{id}/reply`.
pub async fn start(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<ChatDetail>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.backend.chats.start(&owner, body.message).await?)))
}

pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ChatDetail>, ApiError> {
    Ok(Json(state.backend.chats.get(&owner, chat_id(&id)?).await?))
}

#[derive(Deserialize)]
pub struct RenameBody {
    title: String,
}

pub async fn rename(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RenameBody>,
) -> Result<Json<ChatDetail>, ApiError> {
    let id = chat_id(&id)?;
    Ok(Json(state.backend.chats.rename(&owner, id, body.title).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.chats.delete(&owner, chat_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn send(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<ChatDetail>), ApiError> {
    let id = chat_id(&id)?;
    Ok((StatusCode::ACCEPTED, Json(state.backend.chats.send(&owner, id, body.message).await?)))
}

pub async fn stop(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ChatDetail>, ApiError> {
    Ok(Json(state.backend.chats.stop(&owner, chat_id(&id)?).await?))
}

pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ChatDetail>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.backend.chats.retry(&owner, chat_id(&id)?).await?)))
}

#[derive(Deserialize)]
pub struct SaveSpecBody {
    message_id: Uuid,
    name: String,
}

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

#[derive(Deserialize)]
pub struct RefineBody {
    content: String,
}

#[derive(Serialize)]
pub struct RefinedSpec {
    content: String,
}

pub async fn refine_spec(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<RefineBody>,
) -> Result<Json<RefinedSpec>, ApiError> {
    Ok(Json(RefinedSpec { content: state.backend.chats.refine_spec(&owner, body.content).await? }))
}

/// The reply being written, as server-sent events: `snapshot` (the text so
/// far), `delta`s, then `done`; or `idle` at once when no reply is being
/// written. A follower that falls too far behind is disconnected, and its
/// browser reconnects to a fresh snapshot.
pub async fn follow_reply(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let following = state.chats.follow(&owner, chat_id(&id)?).await?;
    let (first, events) = match following {
        Following::Live { snapshot, events } => (snapshot, Some(events)),
        Following::Idle => (ReplyEvent::Idle, None),
    };
    let stream = futures_util::stream::unfold((Some(first), events), |(first, mut events)| async move {
        if let Some(event) = first {
            return Some((sse_event(&event), (None, events)));
        }
        let receiver = events.as_mut()?;
        match receiver.recv().await {
            Ok(event @ ReplyEvent::Done { .. }) => Some((sse_event(&event), (None, None))),
            Ok(event) => Some((sse_event(&event), (None, events))),
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "a reply follower fell behind; closing its stream");
                None
            }
            Err(RecvError::Closed) => None,
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn sse_event(event: &ReplyEvent) -> Result<Event, Infallible> {
    // Serialising these plain enums cannot fail.
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Ok(Event::default().event(event.name()).data(data))
}
