//! The server functions of the build pages (the REST API under
//! `/api/builds` calls the same ports).

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::build_log::LogPage;
use crate::model::build_view::BuildPage;
use crate::model::builds::{BuildControl, BuildDetail, BuildQuery, BuildSummary};
use crate::model::specs::Page;

#[server(prefix = "/fn", endpoint = "list_builds")]
pub async fn list_builds(query: BuildQuery) -> Result<Page<BuildSummary>, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.list(&owner, query).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "get_build")]
pub async fn get_build(id: Uuid) -> Result<BuildDetail, AppError> {
    crate::request::with_signed_in_user(
        move |backend, owner| async move { backend.builds.get(&owner, id).await },
    )
    .await
}

/// The build page's build: the build with its state folded from its events.
#[server(prefix = "/fn", endpoint = "get_build_page")]
pub async fn get_build_page(id: Uuid) -> Result<BuildPage, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.get_page(&owner, id).await
    })
    .await
}

/// Starts a build of the spec as it is now; without JavaScript the form
/// lands on the build's page.
#[server(prefix = "/fn", endpoint = "start_build")]
pub async fn start_build(spec_id: Uuid) -> Result<BuildDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let build = backend.builds.start(&owner, spec_id).await?;
        leptos_axum::redirect(&format!("/builds/{}", build.id));
        Ok(build)
    })
    .await
}

/// Pauses, resumes or cancels a build. One function for the three, since
/// they take and answer the same, and in the browser each server function
/// is code of its own: two fewer took 8 KiB raw (1 KiB brotli) off the build
/// page's WASM.
#[server(prefix = "/fn", endpoint = "control_build")]
pub async fn control_build(id: Uuid, control: BuildControl) -> Result<BuildDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.control(&owner, id, control).await
    })
    .await
}

/// Deletes an ended build with its log and its archive; without
/// JavaScript the form lands on the build list.
#[server(prefix = "/fn", endpoint = "delete_build")]
pub async fn delete_build(id: Uuid) -> Result<(), AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.delete(&owner, id).await?;
        leptos_axum::redirect("/builds");
        Ok(())
    })
    .await
}

/// A page of the build's log lines after `after`, oldest first.
#[server(prefix = "/fn", endpoint = "get_build_log")]
pub async fn get_build_log(id: Uuid, after: i64, limit: u32) -> Result<LogPage, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.logs(&owner, id, after, limit).await
    })
    .await
}
