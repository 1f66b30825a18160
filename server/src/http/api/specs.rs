//! `/api/specs`: the REST face of the specs service.

use app::model::specs::{
    spec_not_found, version_not_found, NewSpec, Page, SpecChanges, SpecDetail, SpecDiff, SpecQuery,
    SpecSummary, SpecVersion, SpecVersionSummary, MAX_SPEC_NAME_CHARS,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;
use crate::storage::content_disposition;

/// A malformed id names no spec, exactly like someone else's.
fn spec_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| spec_not_found().into())
}

/// Your specs, newest first, one page at a time.
#[utoipa::path(get, path = "/specs", tag = "specs", params(SpecQuery),
    responses((status = OK, body = Page<SpecSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    query: Result<Query<SpecQuery>, QueryRejection>,
) -> Result<Json<Page<SpecSummary>>, ApiError> {
    let Query(query) = query?;
    Ok(Json(state.backend.specs.list(&owner, query).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSpecBody {
    #[schema(schema_with = app::model::text_schemas::visible_text::<MAX_SPEC_NAME_CHARS>)]
    name: String,
    /// Markdown, at most 1,048,576 bytes of UTF-8 (413 beyond).
    content: String,
    #[serde(default)]
    project_id: Option<Uuid>,
}

/// Create a spec.
#[utoipa::path(post, path = "/specs", tag = "specs", request_body = NewSpecBody,
    responses((status = CREATED, body = SpecDetail), (status = NOT_FOUND, description = "No such project", body = ErrorBody), (status = CONFLICT, description = "The account keeps as many specs, or as many bytes of them, as it may; the message says what to delete", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<NewSpecBody>,
) -> Result<(StatusCode, Json<SpecDetail>), ApiError> {
    let spec = NewSpec::parse(&body.name, &body.content, body.project_id, None)?;
    Ok((StatusCode::CREATED, Json(state.backend.specs.create(&owner, spec).await?)))
}

/// One spec with its content.
#[utoipa::path(get, path = "/specs/{id}", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id")),
    responses((status = OK, body = SpecDetail)))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<SpecDetail>, ApiError> {
    Ok(Json(state.backend.specs.get(&owner, spec_id(&id)?).await?))
}

/// Change the name, content or project; a changed text is a new version.
#[utoipa::path(patch, path = "/specs/{id}", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id")), request_body = SpecChanges,
    responses((status = OK, body = SpecDetail), (status = CONFLICT, description = "The spec was saved after `base_version`, keeps as many versions as it may (duplicate it to go on), or the account's specs take as many bytes as they may (delete some)", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(changes): ApiJson<SpecChanges>,
) -> Result<Json<SpecDetail>, ApiError> {
    let id = spec_id(&id)?;
    Ok(Json(state.backend.specs.update(&owner, id, changes).await?))
}

/// Delete a spec and its history.
#[utoipa::path(delete, path = "/specs/{id}", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id")),
    responses((status = NO_CONTENT, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.specs.delete(&owner, spec_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copy a spec as "Copy of …".
#[utoipa::path(post, path = "/specs/{id}/duplicate", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id")),
    responses((status = CREATED, body = SpecDetail), (status = CONFLICT, description = "The account keeps as many specs, or as many bytes of them, as it may; the message says what to delete", body = ErrorBody)))]
pub async fn duplicate(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<SpecDetail>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.backend.specs.duplicate(&owner, spec_id(&id)?).await?)))
}

/// Every saved version, newest first.
#[utoipa::path(get, path = "/specs/{id}/versions", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id")),
    responses((status = OK, body = Vec<SpecVersionSummary>)))]
pub async fn versions(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<SpecVersionSummary>>, ApiError> {
    Ok(Json(state.backend.specs.versions(&owner, spec_id(&id)?).await?))
}

/// A version number from the path; what is not a number names no version
/// (which numbers a spec has, from 1, the service knows).
fn version_number(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>().map_err(|_| version_not_found(format_args!("{raw:?}")).into())
}

/// One saved version with its content.
#[utoipa::path(get, path = "/specs/{id}/versions/{version}", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id"), ("version" = i32, Path, minimum = 1, description = "A version number, from 1")),
    responses((status = OK, body = SpecVersion)))]
pub async fn version(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<SpecVersion>, ApiError> {
    let (id, version) = (spec_id(&id)?, version_number(&version)?);
    Ok(Json(state.backend.specs.version(&owner, id, version).await?))
}

/// Make an old version current again, as a new version.
#[utoipa::path(post, path = "/specs/{id}/versions/{version}/restore", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id"), ("version" = i32, Path, minimum = 1, description = "A version number, from 1")),
    responses((status = OK, body = SpecDetail), (status = CONFLICT, description = "The spec keeps as many versions as it may (duplicate it to go on), or the account's specs take as many bytes as they may (delete some)", body = ErrorBody)))]
pub async fn restore(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<SpecDetail>, ApiError> {
    let (id, version) = (spec_id(&id)?, version_number(&version)?);
    Ok(Json(state.backend.specs.restore(&owner, id, version).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version's number.
    from: i32,
    /// The newer version's number.
    to: i32,
}

/// Line-by-line comparison of two versions.
#[utoipa::path(get, path = "/specs/{id}/diff", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id"), DiffQuery),
    responses((status = OK, body = SpecDiff)))]
pub async fn diff(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Json<SpecDiff>, ApiError> {
    let Query(DiffQuery { from, to }) = query?;
    Ok(Json(state.backend.specs.diff(&owner, spec_id(&id)?, from, to).await?))
}

/// The content as a Markdown file named after the spec.
#[utoipa::path(get, path = "/specs/{id}/download", tag = "specs", params(("id" = Uuid, Path, description = "The spec's id")),
    responses((status = OK, content_type = "text/markdown", body = String,
        headers(("content-disposition" = String, description = "attachment; filename=\"<name>.md\"")))))]
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let spec = state.backend.specs.get(&owner, spec_id(&id)?).await?;
    let disposition = content_disposition(&format!("{}.md", spec.name));
    let mut response = spec.content.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/markdown; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
