//! The dashboard's numbers and recent work, counted by the database.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::projects::BuildRef;
use crate::api::specs::SpecSummary;
use crate::error::AppError;

/// How many recent specs and builds the dashboard lists.
pub const RECENT_ITEMS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DashboardSummary {
    pub spec_count: i64,
    pub project_count: i64,
    /// Every build state with its count, zeros included, in lifecycle order.
    pub builds_by_status: Vec<(String, i64)>,
    pub recent_specs: Vec<SpecSummary>,
    pub recent_builds: Vec<BuildRef>,
}

/// The build states, in the order a build moves through them.
pub const BUILD_STATES: [&str; 6] = ["queued", "running", "paused", "completed", "failed", "cancelled"];

#[server(prefix = "/fn", endpoint = "get_dashboard")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.overview.dashboard(&owner).await
    })
    .await
}
