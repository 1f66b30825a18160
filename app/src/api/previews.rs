//! The server functions of a build's live preview: its state, and a restart.
//! Opening it is a plain link (`/api/builds/{id}/preview/open`), which a
//! browser follows to the preview's own origin.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::previews::PreviewStatus;

#[server(prefix = "/fn", endpoint = "get_preview_status")]
pub async fn get_preview_status(build_id: Uuid) -> Result<PreviewStatus, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.previews.status(&owner, build_id).await
    })
    .await
}

/// Stops the app if it runs and starts it again.
#[server(prefix = "/fn", endpoint = "restart_preview")]
pub async fn restart_preview(build_id: Uuid) -> Result<PreviewStatus, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.previews.restart(&owner, build_id).await
    })
    .await
}
