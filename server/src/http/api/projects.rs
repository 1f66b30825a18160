//! `/api/projects`: the REST face of the projects service.

use app::model::projects::{
    project_not_found, NewProject, ProjectChanges, ProjectDetail, ProjectSummary,
    MAX_PROJECT_DESCRIPTION_CHARS, MAX_PROJECT_NAME_CHARS,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;

fn project_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| project_not_found().into())
}

/// Your projects with their spec and build counts.
#[utoipa::path(get, path = "/projects", tag = "projects", responses((status = OK, body = Vec<ProjectSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
) -> Result<Json<Vec<ProjectSummary>>, ApiError> {
    Ok(Json(state.backend.projects.list(&owner).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewProjectBody {
    #[schema(schema_with = app::model::text_schemas::visible_text::<MAX_PROJECT_NAME_CHARS>)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = app::model::text_schemas::limited_text::<MAX_PROJECT_DESCRIPTION_CHARS>)]
    description: String,
}

/// Create a project.
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = NewProjectBody,
    responses((status = CREATED, body = ProjectDetail), (status = CONFLICT, description = "The account keeps as many as it may; the message says what to delete", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<NewProjectBody>,
) -> Result<(StatusCode, Json<ProjectDetail>), ApiError> {
    let project = NewProject::parse(&body.name, &body.description)?;
    Ok((StatusCode::CREATED, Json(state.backend.projects.create(&owner, project).await?)))
}

/// One project with its specs and builds.
#[utoipa::path(get, path = "/projects/{id}", tag = "projects", params(("id" = Uuid, Path, description = "The project's id")),
    responses((status = OK, body = ProjectDetail)))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ProjectDetail>, ApiError> {
    Ok(Json(state.backend.projects.get(&owner, project_id(&id)?).await?))
}

/// Rename or describe a project.
#[utoipa::path(patch, path = "/projects/{id}", tag = "projects", params(("id" = Uuid, Path, description = "The project's id")), request_body = ProjectChanges,
    responses((status = OK, body = ProjectDetail)))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(changes): ApiJson<ProjectChanges>,
) -> Result<Json<ProjectDetail>, ApiError> {
    let id = project_id(&id)?;
    Ok(Json(state.backend.projects.update(&owner, id, changes).await?))
}

/// Delete a project; its specs and builds stay, unlinked.
#[utoipa::path(delete, path = "/projects/{id}", tag = "projects", params(("id" = Uuid, Path, description = "The project's id")),
    responses((status = NO_CONTENT, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.projects.delete(&owner, project_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
