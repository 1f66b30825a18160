//! The dashboard's server function.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::dashboard::DashboardSummary;

#[server(prefix = "/fn", endpoint = "get_dashboard")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.overview.dashboard(&owner).await
    })
    .await
}
