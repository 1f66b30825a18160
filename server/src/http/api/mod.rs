//! The JSON REST API under `/api`, for scripts and tools. It shares its
//! implementation with the server functions the UI calls, and describes
//! itself at `/api/openapi.json`.

pub mod accounts;
pub mod artifacts;
pub mod builds;
pub mod chats;
pub mod dashboard;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod projects;
pub mod specs;

use app::error::AppError;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::http::api::error::ApiError;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/me", get(accounts::me))
        .route("/dashboard", get(dashboard::summary))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/specs", get(specs::list).post(specs::create))
        .route("/specs/{id}", get(specs::get).patch(specs::update).delete(specs::delete))
        .route("/specs/{id}/duplicate", post(specs::duplicate))
        .route("/specs/{id}/download", get(specs::download))
        .route("/specs/{id}/versions", get(specs::versions))
        .route("/specs/{id}/versions/{version}", get(specs::version))
        .route("/specs/{id}/versions/{version}/restore", post(specs::restore))
        .route("/specs/{id}/diff", get(specs::diff))
        .route("/specs/refine", post(chats::refine_spec))
        .route("/chats", get(chats::list).post(chats::start))
        .route("/chats/{id}", get(chats::get).patch(chats::rename).delete(chats::delete))
        .route("/chats/{id}/messages", post(chats::send))
        .route("/chats/{id}/reply", get(chats::follow_reply))
        .route("/chats/{id}/stop", post(chats::stop))
        .route("/chats/{id}/retry", post(chats::retry))
        .route("/chats/{id}/specs", post(chats::save_spec))
        .route("/builds", get(builds::list).post(builds::create))
        .route("/builds/{id}", get(builds::get).delete(builds::delete))
        .route("/builds/{id}/artifacts", get(artifacts::archive))
        .route("/builds/{id}/artifacts/manifest", get(artifacts::manifest))
        .route("/builds/{id}/artifacts/retry", post(artifacts::retry))
        .route("/builds/{id}/files", get(artifacts::files))
        .route("/builds/{id}/files/{*path}", get(artifacts::file))
        .route("/storage/{*key}", get(artifacts::signed_download))
        .route("/builds/{id}/cancel", post(builds::cancel))
        .route("/builds/{id}/pause", post(builds::pause))
        .route("/builds/{id}/resume", post(builds::resume))
        .route("/builds/{id}/logs", get(builds::logs))
        .route("/builds/{id}/stream", get(builds::stream))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/{id}", get(projects::get).patch(projects::update).delete(projects::delete))
        .fallback(|| async { ApiError::from(AppError::NotFound("There is no such API endpoint.".into())) })
        // The whole-request limit in the router applies instead; a spec's
        // 1 MiB must be refused by our own check, with its message.
        .layer(DefaultBodyLimit::disable())
}
