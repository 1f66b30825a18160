//! `/api/builds`: the REST face of the builds service, and the build stream
//! (server-sent events) the build page follows.

use std::convert::Infallible;
use std::time::Duration;

use app::api::builds::{BuildDetail, BuildQuery, BuildStatus, BuildSummary, LogPage, DEFAULT_LOG_PAGE};
use app::error::AppError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::Stream;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::builds::service::build_not_found;
use crate::builds::viewer::{BuildViewer, ViewerItem};
use crate::http::api::error::ApiError;
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;

/// How often an idle stream says it is alive, so proxies keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// A malformed id names no build, exactly like someone else's.
fn build_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| build_not_found().into())
}

fn query_error(rejection: QueryRejection) -> ApiError {
    AppError::Invalid(format!("The query string could not be read: {}", rejection.body_text())).into()
}

#[derive(Deserialize)]
pub struct ListParams {
    status: Option<String>,
    spec_id: Option<Uuid>,
    limit: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Vec<BuildSummary>>, ApiError> {
    let Query(params) = params.map_err(query_error)?;
    let status = match params.status.as_deref().filter(|status| !status.is_empty()) {
        None => None,
        Some(text) => Some(BuildStatus::parse(text).ok_or_else(|| {
            AppError::Invalid(format!(
                "There is no build status \"{text}\"; use queued, running, paused, completed, failed or cancelled."
            ))
        })?),
    };
    let query = BuildQuery { status, spec_id: params.spec_id, limit: params.limit };
    Ok(Json(state.backend.builds.list(&owner, query).await?))
}

#[derive(Deserialize)]
pub struct NewBuildBody {
    spec_id: Uuid,
}

/// 201: the build is queued; follow it at `/api/builds/{id}/stream`.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<NewBuildBody>,
) -> Result<(StatusCode, Json<BuildDetail>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.backend.builds.start(&owner, body.spec_id).await?)))
}

pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.get(&owner, build_id(&id)?).await?))
}

/// 204: the ended build, its log and its archive are gone.
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.builds.delete(&owner, build_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.cancel(&owner, build_id(&id)?).await?))
}

pub async fn pause(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.pause(&owner, build_id(&id)?).await?))
}

pub async fn resume(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.resume(&owner, build_id(&id)?).await?))
}

#[derive(Deserialize)]
pub struct LogParams {
    after: Option<i64>,
    limit: Option<u32>,
}

pub async fn logs(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    params: Result<Query<LogParams>, QueryRejection>,
) -> Result<Json<LogPage>, ApiError> {
    let id = build_id(&id)?;
    let Query(params) = params.map_err(query_error)?;
    let page = state
        .backend
        .builds
        .logs(&owner, id, params.after.unwrap_or(0), params.limit.unwrap_or(DEFAULT_LOG_PAGE))
        .await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
pub struct StreamParams {
    after: Option<i64>,
}

/// The build's events as server-sent events: the history after
/// `Last-Event-ID` (or `?after=`, or from the start) marked historical, then
/// live ones, each with `id:` its sequence number; then `complete` once the
/// build has ended and its archive is settled, and the stream closes.
pub async fn stream(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<StreamParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = build_id(&id)?;
    let Query(params) = params.map_err(query_error)?;
    state.builds.service.owned(&owner, id).await?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok());
    let after = last_event_id.or(params.after).unwrap_or(0);
    let viewer = BuildViewer::new(state.pool.clone(), &state.builds.hub, id, after);
    let events = futures_util::stream::unfold(viewer, |mut viewer| async move {
        let event = match viewer.next().await? {
            Ok(ViewerItem::Event(streamed)) => {
                // Serialising these plain types cannot fail.
                let data = serde_json::to_string(&streamed).unwrap_or_else(|_| "{}".into());
                Event::default().event("build").id(streamed.seq.to_string()).data(data)
            }
            Ok(ViewerItem::Complete { status, reason }) => Event::default()
                .event("complete")
                .data(json!({ "status": status, "reason": reason }).to_string()),
            Err(error) => {
                tracing::warn!(%error, "a build stream could not read events; closing it for the browser to reconnect");
                return None;
            }
        };
        Some((Ok(event), viewer))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}
