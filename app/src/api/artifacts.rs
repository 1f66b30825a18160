//! The server functions of a build's result: its evidence (the pack and
//! the file tree rendered to HTML, see `components::evidence_panel` and
//! `components::file_tree`), its files, and retrying an archive that failed.

use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::components::{evidence_panel::evidence_html, file_tree::file_tree_html};
use crate::error::AppError;
use crate::model::artifacts::{ArtifactInfo, BuildFileContent, BuildResultPage};
#[cfg(feature = "ssr")]
use crate::model::artifacts::{BuildEvidence, StoredResult};

/// The evidence, with its pack and file tree rendered here: the page only
/// shows them.
#[server(prefix = "/fn", endpoint = "get_build_result")]
pub async fn get_build_result(build_id: Uuid) -> Result<BuildResultPage, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let evidence = backend.artifacts.evidence(&owner, build_id).await?;
        Ok(rendered(build_id, evidence))
    })
    .await
}

#[cfg(feature = "ssr")]
fn rendered(build_id: Uuid, evidence: BuildEvidence) -> BuildResultPage {
    let BuildEvidence { artifact, manifest, is_file_list_cut } = evidence;
    let stored = manifest.map(|mut manifest| {
        let files = std::mem::take(&mut manifest.files);
        StoredResult {
            archive: manifest.archive.clone(),
            files_html: file_tree_html(build_id, &files, is_file_list_cut),
            evidence_html: evidence_html(manifest),
        }
    });
    BuildResultPage { artifact, stored }
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
