//! The JSON REST API under `/api`, for scripts and tools. It shares its
//! implementation with the server functions the UI calls, and describes
//! itself at `/api/openapi.json`.

pub mod accounts;
pub mod artifacts;
pub mod builds;
pub mod chats;
pub mod dashboard;
pub mod error;
mod event_streams;
pub mod extract;
pub mod openapi;
pub mod previews;
pub mod projects;
pub mod specs;
pub mod webhooks;

use app::error::AppError;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::api::error::ApiError;
use crate::http::AppState;

/// Where [`router`] is nested; the document's paths carry it.
pub const PREFIX: &str = "/api";

/// The API's routes, each registered with its OpenAPI operation, and the
/// document they make at `/openapi.json`.
pub fn router() -> Router<AppState> {
    let (routes, operations) = OpenApiRouter::new()
        .routes(routes!(accounts::me))
        .routes(routes!(dashboard::summary))
        .routes(routes!(accounts::list_tokens, accounts::create_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(specs::list, specs::create))
        .routes(routes!(specs::get, specs::update, specs::delete))
        .routes(routes!(specs::duplicate))
        .routes(routes!(specs::download))
        .routes(routes!(specs::versions))
        .routes(routes!(specs::version))
        .routes(routes!(specs::restore))
        .routes(routes!(specs::diff))
        .routes(routes!(chats::refine_spec))
        .routes(routes!(chats::list, chats::start))
        .routes(routes!(chats::get, chats::rename, chats::delete))
        .routes(routes!(chats::send))
        .routes(routes!(chats::follow_reply))
        .routes(routes!(chats::stop))
        .routes(routes!(chats::retry))
        .routes(routes!(chats::save_spec))
        .routes(routes!(builds::list, builds::create))
        .routes(routes!(builds::get, builds::delete))
        .routes(routes!(artifacts::archive))
        .routes(routes!(artifacts::manifest))
        .routes(routes!(artifacts::retry))
        .routes(routes!(artifacts::files))
        .routes(routes!(artifacts::file))
        .routes(routes!(artifacts::signed_download))
        .routes(routes!(builds::cancel))
        .routes(routes!(builds::pause))
        .routes(routes!(builds::resume))
        .routes(routes!(builds::logs))
        .routes(routes!(builds::log_text))
        .routes(routes!(builds::stream))
        .routes(routes!(previews::status))
        .routes(routes!(previews::create_link))
        .routes(routes!(previews::open))
        .routes(routes!(previews::restart))
        .routes(routes!(projects::list, projects::create))
        .routes(routes!(projects::get, projects::update, projects::delete))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::send_test))
        .split_for_parts();
    // Written once: the document only changes with the code.
    let document = Bytes::from(openapi::document(PREFIX, operations).to_string());
    routes
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], document.to_vec()) }
            }),
        )
        .fallback(|| async { ApiError::from(AppError::NotFound("There is no such API endpoint.".into())) })
        // The whole-request limit in the router applies instead; a spec's
        // 1 MiB must be refused by our own check, with its message.
        .layer(DefaultBodyLimit::disable())
}
