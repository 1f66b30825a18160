//! The server functions of a build's result: its evidence (the pack and
//! the file tree, rendered to HTML by the server), its files, and retrying
//! an archive that failed.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::artifacts::{ArtifactInfo, BuildFileContent, BuildResultPage};

/// The evidence, with its pack and file tree rendered by the server: the
/// page only shows them.
#[server(prefix = "/fn", endpoint = "get_build_result")]
pub async fn get_build_result(build_id: Uuid) -> Result<BuildResultPage, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.artifacts.result_page(&owner, build_id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "read_build_file")]
pub async fn read_build_file(build_id: Uuid, path: String) -> Result<BuildFileContent, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.artifacts.read_file(&owner, build_id, &path).await
    })
    .await
}

/// Uploads the archive again after a failure.
#[server(prefix = "/fn", endpoint = "retry_build_artifact")]
pub async fn retry_build_artifact(build_id: Uuid) -> Result<ArtifactInfo, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.artifacts.retry(&owner, build_id).await
    })
    .await
}
