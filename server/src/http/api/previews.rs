//! A build's live preview over REST: its state, a signed link that opens it
//! (as JSON, or as a redirect a browser follows), and a restart.

use app::model::previews::{PreviewLink, PreviewStatus};
use app::ports::Previews;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;

use crate::http::api::builds::build_id;
use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::extract::{CurrentUser, SignedInUser};
use crate::http::AppState;

/// Whether the build's app can be previewed, and whether it runs now.
#[utoipa::path(get, path = "/builds/{id}/preview", tag = "previews", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, body = PreviewStatus)))]
pub async fn status(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<PreviewStatus>, ApiError> {
    Ok(Json(state.builds.preview_service.status(&owner, build_id(&id)?).await?))
}

/// A link, valid for a minute, that opens the preview on its own origin and
/// gives the browser following it access there: for 12 hours at most, and
/// no longer than the session or token that asked for the link signs in.
#[utoipa::path(post, path = "/builds/{id}/preview/links", tag = "previews", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = CREATED, body = PreviewLink),
        (status = SERVICE_UNAVAILABLE, description = "Previews are turned off on this server", body = ErrorBody)))]
pub async fn create_link(
    State(state): State<AppState>,
    caller: SignedInUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<PreviewLink>), ApiError> {
    let link = state.builds.preview_service.link(&caller.user, caller.signed_in_by, build_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Opens the preview: a redirect to a fresh signed link (what the build
/// page's "Open preview" and its frame follow).
#[utoipa::path(get, path = "/builds/{id}/preview/open", tag = "previews", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = SEE_OTHER, description = "To the preview's signed link", headers(("location" = String))),
        (status = SERVICE_UNAVAILABLE, description = "Previews are turned off on this server", body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    caller: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let link = state.builds.preview_service.link(&caller.user, caller.signed_in_by, build_id(&id)?).await?;
    let mut response = Redirect::to(&link.url).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Stops the app if it runs and starts it again, e.g. after the agent
/// changed its code.
#[utoipa::path(post, path = "/builds/{id}/preview/restart", tag = "previews", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = ACCEPTED, body = PreviewStatus),
        (status = CONFLICT, description = "There is nothing to start: no work directory or no start command", body = ErrorBody)))]
pub async fn restart(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<PreviewStatus>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.builds.preview_service.restart(&owner, build_id(&id)?).await?)))
}
