//! The server function of the platform's health panel.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::system::SystemStatus;

#[server(prefix = "/fn", endpoint = "check_system_status")]
pub async fn check_system_status() -> Result<SystemStatus, AppError> {
    crate::request::with_signed_in_user(
        move |backend, _owner| async move { backend.system.system_status().await },
    )
    .await
}
