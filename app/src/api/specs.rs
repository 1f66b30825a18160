//! The server functions of the spec pages (the REST API under `/api/specs`
//! calls the same ports).

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::specs::{NewSpec, SpecChanges, SpecQuery};
use crate::model::specs::{
    Page, SpecDetail, SpecDiff, SpecPage, SpecSummary, SpecVersion, SpecVersionSummary,
};

#[server(prefix = "/fn", endpoint = "list_specs")]
pub async fn list_specs(
    search: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
    project_id: Option<Uuid>,
) -> Result<Page<SpecSummary>, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let query = SpecQuery { search, page, page_size, project_id };
        backend.specs.list(&owner, query).await
    })
    .await
}

/// The spec page's spec, with its Markdown rendered here so the page's
/// WASM carries no Markdown parser.
#[server(prefix = "/fn", endpoint = "get_spec")]
pub async fn get_spec(id: Uuid) -> Result<SpecPage, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let spec = backend.specs.get(&owner, id).await?;
        Ok(SpecPage { rendered_html: crate::markdown::render_markdown(&spec.content), spec })
    })
    .await
}

/// Answers the new spec's id: the pages that create a spec only open it,
/// and reading the whole spec would put its reader into their WASM.
#[server(prefix = "/fn", endpoint = "create_spec")]
pub async fn create_spec(name: String, content: String, project_id: Option<Uuid>) -> Result<Uuid, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let spec = NewSpec::parse(&name, &content, project_id, None)?;
        Ok(backend.specs.create(&owner, spec).await?.id)
    })
    .await
}

/// Saves the editor: name and content together, keeping the previous
/// version; refused (409) when the spec changed after `base_version`, the
/// one the editor opened.
#[server(prefix = "/fn", endpoint = "save_spec")]
pub async fn save_spec(
    id: Uuid,
    name: String,
    content: String,
    base_version: i32,
) -> Result<SpecDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let changes = SpecChanges {
            name: Some(name),
            content: Some(content),
            project_id: None,
            base_version: Some(base_version),
        };
        backend.specs.update(&owner, id, changes).await
    })
    .await
}

/// Links the spec to one of the owner's projects, or unlinks it (`None`).
#[server(prefix = "/fn", endpoint = "move_spec_to_project")]
pub async fn move_spec_to_project(id: Uuid, project_id: Option<Uuid>) -> Result<SpecDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let changes = SpecChanges { project_id: Some(project_id), ..SpecChanges::default() };
        backend.specs.update(&owner, id, changes).await
    })
    .await
}

/// Answers the copy's id, as [`create_spec`] does.
#[server(prefix = "/fn", endpoint = "duplicate_spec")]
pub async fn duplicate_spec(id: Uuid) -> Result<Uuid, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        Ok(backend.specs.duplicate(&owner, id).await?.id)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "delete_spec")]
pub async fn delete_spec(id: Uuid) -> Result<(), AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.specs.delete(&owner, id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "list_spec_versions")]
pub async fn list_spec_versions(id: Uuid) -> Result<Vec<SpecVersionSummary>, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.specs.versions(&owner, id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "get_spec_version")]
pub async fn get_spec_version(id: Uuid, version: i32) -> Result<SpecVersion, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.specs.version(&owner, id, version).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "diff_spec_versions")]
pub async fn diff_spec_versions(id: Uuid, from_version: i32, to_version: i32) -> Result<SpecDiff, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.specs.diff(&owner, id, from_version, to_version).await
    })
    .await
}

/// Makes an old version current again, as a new version (nothing is lost).
#[server(prefix = "/fn", endpoint = "restore_spec_version")]
pub async fn restore_spec_version(id: Uuid, version: i32) -> Result<SpecDetail, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.specs.restore(&owner, id, version).await
    })
    .await
}
