//! The server functions of the project pages.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::projects::{NewProject, ProjectChanges};
use crate::model::projects::{ProjectDetail, ProjectSummary};

#[server(prefix = "/fn", endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, AppError> {
    crate::request::with_signed_in_user(
        move |backend, owner| async move { backend.projects.list(&owner).await },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "get_project")]
pub async fn get_project(id: Uuid) -> Result<ProjectDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.projects.get(&owner, id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "create_project")]
pub async fn create_project(name: String, description: String) -> Result<ProjectDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let project = NewProject::parse(&name, &description)?;
        backend.projects.create(&owner, project).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "update_project")]
pub async fn update_project(id: Uuid, name: String, description: String) -> Result<ProjectDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let changes = ProjectChanges { name: Some(name), description: Some(description) };
        backend.projects.update(&owner, id, changes).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "delete_project")]
pub async fn delete_project(id: Uuid) -> Result<(), AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.projects.delete(&owner, id).await
    })
    .await
}
