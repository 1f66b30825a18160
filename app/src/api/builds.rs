//! The server functions of the build pages (the REST API under
//! `/api/builds` calls the same ports).

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::build_log::LogPage;
use crate::model::build_view::BuildPage;
use crate::model::builds::{BuildDetail, BuildQuery, BuildSummary};
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

#[server(prefix = "/fn", endpoint = "cancel_build")]
pub async fn cancel_build(id: Uuid) -> Result<BuildDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.cancel(&owner, id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "pause_build")]
pub async fn pause_build(id: Uuid) -> Result<BuildDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.pause(&owner, id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "resume_build")]
pub async fn resume_build(id: Uuid) -> Result<BuildDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.builds.resume(&owner, id).await
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
