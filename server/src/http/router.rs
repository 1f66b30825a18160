//! The router: operational endpoints, site assets, server functions and the
//! server-rendered Leptos pages, with the middleware every request passes.

use std::sync::Arc;

use app::backend::Backend;
use app::{shell, App};
use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::db::DbPool;
use crate::health::DatabaseProbe;
use crate::http::{health, static_files};

/// Everything a handler or a server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: DbPool,
    pub backend: Backend,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, pool: DbPool) -> Self {
        let backend = Backend { system: Arc::new(DatabaseProbe { pool: pool.clone() }) };
        Self { leptos_options, pool, backend }
    }
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let provide_backend = {
        let backend = state.backend.clone();
        move || provide_context(backend.clone())
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(static_files::pkg_router(&state.leptos_options))
        .leptos_routes_with_context(&state, routes, provide_backend.clone(), render_shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(provide_backend, shell))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
