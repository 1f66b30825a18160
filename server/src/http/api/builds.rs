//! `/api/builds`: the REST face of the builds service, and the build stream
//! (server-sent events) the build page follows.

use std::convert::Infallible;
use std::time::Duration;

use app::error::AppError;
use app::model::build_log::LogPage;
use app::model::builds::{
    build_not_found, BuildControl, BuildDetail, BuildEnded, BuildQuery, BuildStatus, BuildSummary,
    StreamedBuildEvent, DEFAULT_LOG_PAGE,
};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::Stream;
use serde::Deserialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

use crate::builds::viewer::ViewerItem;
use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::event_streams::{add_component, event_stream, StreamedEvent};
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::signed_in_stream::{while_signed_in, StreamCredential};
use crate::http::AppState;
use crate::storage::content_disposition;

/// How often an idle stream says it is alive, so proxies keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// A malformed id names no build, exactly like someone else's (for every
/// route under `/builds/{id}`).
pub(super) fn build_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| build_not_found().into())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only builds in this state.
    #[param(value_type = Option<BuildStatus>)]
    status: Option<String>,
    /// Only builds of this spec.
    spec_id: Option<Uuid>,
    /// Only builds whose spec's name contains this, in any case.
    search: Option<String>,
    /// Which page of `limit` builds, from 1 (0 counts as 1).
    #[param(format = Int64, maximum = 4294967295_u64)]
    page: Option<u32>,
    /// How many, newest first: 100 at most (more counts as 100).
    #[param(format = Int64, maximum = 4294967295_u64)]
    limit: Option<u32>,
}

/// How many builds match a list's filters, whatever page it is.
const TOTAL_COUNT: &str = "x-total-count";

/// Your builds, newest first, a page at a time.
#[utoipa::path(get, path = "/builds", tag = "builds", params(ListParams),
    responses((status = OK, body = Vec<BuildSummary>,
        headers(("x-total-count" = i64, description = "How many builds match, on every page")))))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(params) = params?;
    let query = BuildQuery {
        status: params.status.as_deref().map(BuildStatus::named).transpose()?,
        spec_id: params.spec_id,
        search: params.search,
        page: params.page,
        limit: params.limit,
    };
    // The answer stays a plain list (scripts read it so); the page's total is in a header.
    let page = state.backend.builds.list(&owner, query).await?;
    Ok(([(TOTAL_COUNT, page.total.to_string())], Json(page.items)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewBuildBody {
    /// The spec to build, as it is now.
    spec_id: Uuid,
}

/// Build a spec as it is now. 201: the build is queued; follow it at
/// `/api/builds/{id}/stream`.
#[utoipa::path(post, path = "/builds", tag = "builds", request_body = NewBuildBody,
    responses((status = CREATED, body = BuildDetail), (status = NOT_FOUND, description = "No such spec", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, response = crate::http::api::openapi::RateLimited)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<NewBuildBody>,
) -> Result<(StatusCode, Json<BuildDetail>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.backend.builds.start(&owner, body.spec_id).await?)))
}

/// One build: status, reason, model, tokens, features, times.
#[utoipa::path(get, path = "/builds/{id}", tag = "builds", params(("id" = Uuid, Path, description = "The build's id")), responses((status = OK, body = BuildDetail)))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.get(&owner, build_id(&id)?).await?))
}

/// Delete an ended build with its log and its archive.
#[utoipa::path(delete, path = "/builds/{id}", tag = "builds", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = NO_CONTENT, description = "The build, its log and its archive are gone"), (status = CONFLICT, description = "Not possible in the build's state; the message says why", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.builds.delete(&owner, build_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop the agent and every process in its sandbox.
#[utoipa::path(post, path = "/builds/{id}/cancel", tag = "builds", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, body = BuildDetail), (status = CONFLICT, description = "Not possible in the build's state; the message says why", body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.control(&owner, build_id(&id)?, BuildControl::Cancel).await?))
}

/// Stop the agent, keeping its work directory.
#[utoipa::path(post, path = "/builds/{id}/pause", tag = "builds", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, body = BuildDetail), (status = CONFLICT, description = "Not possible in the build's state; the message says why", body = ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.control(&owner, build_id(&id)?, BuildControl::Pause).await?))
}

/// Queue a paused build again; its limits count afresh.
#[utoipa::path(post, path = "/builds/{id}/resume", tag = "builds", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, body = BuildDetail), (status = CONFLICT, description = "Not possible in the build's state; the message says why", body = ErrorBody), (status = TOO_MANY_REQUESTS, response = crate::http::api::openapi::RateLimited)))]
pub async fn resume(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<BuildDetail>, ApiError> {
    Ok(Json(state.backend.builds.control(&owner, build_id(&id)?, BuildControl::Resume).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// Lines after this sequence number (0, the default: from the start).
    after: Option<i64>,
    /// How many lines: 500 by default, 5,000 at most (more counts as 5,000).
    /// A page also ends at 4 MiB of events, so a page of long lines holds
    /// fewer; `next_after` says where the log goes on.
    #[param(format = Int64, maximum = 4294967295_u64)]
    limit: Option<u32>,
}

/// Log lines after a sequence number, oldest first.
#[utoipa::path(get, path = "/builds/{id}/logs", tag = "builds", params(("id" = Uuid, Path, description = "The build's id"), LogParams),
    responses((status = OK, body = LogPage)))]
pub async fn logs(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    params: Result<Query<LogParams>, QueryRejection>,
) -> Result<Json<LogPage>, ApiError> {
    let id = build_id(&id)?;
    let Query(params) = params?;
    let page = state
        .backend
        .builds
        .logs(&owner, id, params.after.unwrap_or(0), params.limit.unwrap_or(DEFAULT_LOG_PAGE))
        .await?;
    Ok(Json(page))
}

/// The whole log as plain text, one line per event (time, tag, text), as an
/// attachment. Read and sent a page at a time, so a build of any length
/// downloads in bounded memory.
#[utoipa::path(get, path = "/builds/{id}/logs.txt", tag = "builds", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, description = "The log as text, as an attachment", content_type = "text/plain", body = String)))]
pub async fn log_text(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let log = state.builds.service.log_text(&owner, build_id(&id)?).await?;
    let body = Body::from_stream(futures_util::TryStreamExt::map_err(log.pages, move |error| {
        tracing::warn!(build_id = %id, %error, "a log download stopped early");
        std::io::Error::other(error.to_string())
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&log.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Events after this sequence number, when there is no `Last-Event-ID`.
    after: Option<i64>,
}

/// A build stream's event as sent: `build` (its `id` the sequence number,
/// its `data` a `StreamedBuildEvent` as JSON), then one `complete` (its
/// `data` a `BuildEnded`) once the build has ended and its archive is
/// settled.
struct BuildStreamEvent;

/// The names of the build stream's two kinds of event.
const BUILD_EVENT: &str = "build";
const COMPLETE_EVENT: &str = "complete";

impl PartialSchema for BuildStreamEvent {
    fn schema() -> RefOr<Schema> {
        event_stream(&[
            StreamedEvent::of::<StreamedBuildEvent>(&[BUILD_EVENT], Some("The event's sequence number")),
            StreamedEvent::of::<BuildEnded>(&[COMPLETE_EVENT], None),
        ])
    }
}

impl ToSchema for BuildStreamEvent {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        add_component::<StreamedBuildEvent>(schemas);
        add_component::<BuildEnded>(schemas);
    }
}

/// The sequence number a reconnecting stream resumes after. A browser
/// sends back the `id` of the last event it got, always a sequence number;
/// anything else is refused rather than read as "from the start".
fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get("last-event-id") else { return Ok(None) };
    let number = value.to_str().ok().and_then(|text| text.trim().parse::<i64>().ok());
    number.map(Some).ok_or_else(|| {
        AppError::Invalid(
            "Last-Event-ID must be the id of an event this stream sent: a sequence number.".into(),
        )
        .into()
    })
}

/// The build's events as server-sent events: the history after
/// `Last-Event-ID` (or `?after=`, or from the start) marked historical, then
/// live ones, each with `id:` its sequence number; then `complete` once the
/// build has ended and its archive is settled, and the stream closes.
#[utoipa::path(get, path = "/builds/{id}/stream", tag = "builds",
    params(("id" = Uuid, Path, description = "The build's id"), StreamParams, ("last-event-id" = Option<i64>, Header, nullable = false, description = "Resume after this sequence number: the `id` of the last event received")),
    responses((status = OK, content_type = "text/event-stream", body = BuildStreamEvent,
        description = "The history first, marked historical, then live events")))]
pub async fn stream(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    credential: StreamCredential,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<StreamParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = build_id(&id)?;
    let Query(params) = params?;
    let after = last_event_id(&headers)?.or(params.after).unwrap_or(0);
    let viewer = state.builds.service.follow(&owner, id, after).await?;
    let slot = state.streams.acquire(owner.id)?;
    // The slot goes with the viewer, and is freed when the stream closes.
    let events = futures_util::stream::unfold((viewer, slot), |(mut viewer, slot)| async move {
        let event = match viewer.next().await? {
            Ok(ViewerItem::Event(streamed)) => {
                // Serialising these plain types cannot fail.
                let data = serde_json::to_string(&streamed).unwrap_or_else(|_| "{}".into());
                Event::default().event(BUILD_EVENT).id(streamed.seq.to_string()).data(data)
            }
            Ok(ViewerItem::Complete(ended)) => {
                let data = serde_json::to_string(&ended).unwrap_or_else(|_| "{}".into());
                Event::default().event(COMPLETE_EVENT).data(data)
            }
            Err(error) => {
                tracing::warn!(%error, "a build stream could not read events; closing it for the browser to reconnect");
                return None;
            }
        };
        Some((Ok(event), (viewer, slot)))
    });
    let events = while_signed_in(state.clone(), credential, events);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}
