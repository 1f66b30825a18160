//! `/api/dashboard`: the counts and recent work the dashboard shows.

use app::model::dashboard::DashboardSummary;
use axum::extract::State;
use axum::Json;

use crate::http::api::error::ApiError;
use crate::http::api::extract::CurrentUser;
use crate::http::AppState;

/// Counts of your specs, projects and builds by state; your recent work.
#[utoipa::path(get, path = "/dashboard", tag = "account", responses((status = OK, body = DashboardSummary)))]
pub async fn summary(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
) -> Result<Json<DashboardSummary>, ApiError> {
    Ok(Json(state.backend.overview.dashboard(&owner).await?))
}
