//! The JSON REST API under `/api`, for scripts and tools. It shares its
//! implementation with the server functions the UI calls.

pub mod accounts;
pub mod error;
pub mod extract;

use app::error::AppError;
use axum::routing::{delete, get};
use axum::Router;

use crate::http::api::error::ApiError;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(accounts::me))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .fallback(|| async { ApiError::from(AppError::NotFound("There is no such API endpoint.".into())) })
}
