//! The dashboard's numbers and recent work, counted by the database.

use serde::{Deserialize, Serialize};

use crate::model::projects::BuildRef;
use crate::model::specs::SpecSummary;

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
