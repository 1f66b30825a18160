//! The platform's own health, as the dashboard shows it.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// `server_version` as PostgreSQL reports it, e.g. "15.18 (Debian 15.18-0+deb12u1)".
    pub database_version: String,
    pub migrations_applied: i64,
    /// Round trip of one query, in milliseconds.
    pub database_latency_ms: u32,
    pub server_time: DateTime<Utc>,
}

#[server(prefix = "/fn", endpoint = "check_system_status")]
pub async fn check_system_status() -> Result<SystemStatus, AppError> {
    crate::request::with_signed_in_user(
        move |backend, _owner| async move { backend.system.system_status().await },
    )
    .await
}
