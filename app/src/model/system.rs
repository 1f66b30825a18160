//! The platform's own health, as the dashboard shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// `server_version` as PostgreSQL reports it, e.g. "15.18 (Debian 15.18-0+deb12u1)".
    pub database_version: String,
    pub migrations_applied: i64,
    /// Round trip of one query, in milliseconds.
    pub database_latency_ms: u32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub server_time: DateTime<Utc>,
}
