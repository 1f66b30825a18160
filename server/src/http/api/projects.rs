//! `/api/projects`: the REST face of the projects service.

use app::api::projects::{NewProject, ProjectChanges, ProjectDetail, ProjectSummary};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::api::error::ApiError;
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;
use crate::projects::service::project_not_found;

fn project_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| project_not_found().into())
}

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
) -> Result<Json<Vec<ProjectSummary>>, ApiError> {
    Ok(Json(state.backend.projects.list(&owner).await?))
}

#[derive(Deserialize)]
pub struct NewProjectBody {
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    ApiJson(body): ApiJson<NewProjectBody>,
) -> Result<(StatusCode, Json<ProjectDetail>), ApiError> {
    let project = NewProject::parse(&body.name, &body.description)?;
    Ok((StatusCode::CREATED, Json(state.backend.projects.create(&owner, project).await?)))
}

pub async fn get(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ProjectDetail>, ApiError> {
    Ok(Json(state.backend.projects.get(&owner, project_id(&id)?).await?))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    ApiJson(changes): ApiJson<ProjectChanges>,
) -> Result<Json<ProjectDetail>, ApiError> {
    let id = project_id(&id)?;
    Ok(Json(state.backend.projects.update(&owner, id, changes).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.projects.delete(&owner, project_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
