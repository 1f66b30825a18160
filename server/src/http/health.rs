//! `/healthz` answers while the process runs; `/readyz` only while the
//! database answers too, so a load balancer stops sending traffic when it
//! cannot.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::db::DbPool;
use crate::health::probe_database;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(pool): State<DbPool>) -> Response {
    match probe_database(&pool).await {
        Ok(status) => Json(json!({
            "status": "ready",
            "database": { "version": status.database_version, "latency_ms": status.database_latency_ms },
        }))
        .into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness probe failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "unavailable",
                    "error": { "code": "database_unavailable", "message": "The database is not reachable." },
                })),
            )
                .into_response()
        }
    }
}
