//! `/api/specs`: the REST face of the specs service.

use app::api::specs::{
    NewSpec, Page, SpecChanges, SpecDetail, SpecDiff, SpecQuery, SpecSummary, SpecVersion, SpecVersionSummary,
};
use app::error::AppError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::api::error::ApiError;
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;
use crate::specs::service::spec_not_found;
use crate::storage::content_disposition;

/// A malformed id names no spec, exactly like someone else's.
fn spec_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| spec_not_found().into())
}

fn query_error(rejection: QueryRejection) -> ApiError {
    AppError::Invalid(format!("The query string could not be read: {}", rejection.body_text())).into()
}

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    query: Result<Query<SpecQuery>, QueryRejection>,
) -> Result<Json<Page<SpecSummary>>, ApiError> {
    let Query(query) = query.map_err(query_error)?;
    Ok(Json(state.backend.specs.list(&owner, query).await?))
}

#[derive(Deserialize)]
pub struct NewSpecBody {
    name: String,
    content: String,
    #[serde(default)]
    project_id: Option<Uuid>,
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<NewSpecBody>,
) -> Result<(StatusCode, Json<SpecDetail>), ApiError> {
    let spec = NewSpec::parse(&body.name, &body.content, body.project_id, None)?;
    Ok((StatusCode::CREATED, Json(state.backend.specs.create(&owner, spec).await?)))
}

pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<SpecDetail>, ApiError> {
    Ok(Json(state.backend.specs.get(&owner, spec_id(&id)?).await?))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(changes): ApiJson<SpecChanges>,
) -> Result<Json<SpecDetail>, ApiError> {
    let id = spec_id(&id)?;
    Ok(Json(state.backend.specs.update(&owner, id, changes).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.specs.delete(&owner, spec_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn duplicate(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<SpecDetail>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.backend.specs.duplicate(&owner, spec_id(&id)?).await?)))
}

pub async fn versions(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<SpecVersionSummary>>, ApiError> {
    Ok(Json(state.backend.specs.versions(&owner, spec_id(&id)?).await?))
}

/// A version number from the path; anything else names no version.
fn version_number(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>()
        .ok()
        .filter(|number| *number >= 1)
        .ok_or_else(|| AppError::NotFound(format!("This spec has no version {raw:?}.")).into())
}

pub async fn version(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<SpecVersion>, ApiError> {
    let (id, version) = (spec_id(&id)?, version_number(&version)?);
    Ok(Json(state.backend.specs.version(&owner, id, version).await?))
}

pub async fn restore(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<SpecDetail>, ApiError> {
    let (id, version) = (spec_id(&id)?, version_number(&version)?);
    Ok(Json(state.backend.specs.restore(&owner, id, version).await?))
}

#[derive(Deserialize)]
pub struct DiffQuery {
    from: i32,
    to: i32,
}

pub async fn diff(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Json<SpecDiff>, ApiError> {
    let Query(DiffQuery { from, to }) = query.map_err(query_error)?;
    Ok(Json(state.backend.specs.diff(&owner, spec_id(&id)?, from, to).await?))
}

/// The spec as a Markdown file named after it.
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
