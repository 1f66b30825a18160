//! The router: operational endpoints, site assets, the REST API, server
//! functions and the server-rendered Leptos pages, with the middleware every
//! request passes.

use std::ops::Deref;
use std::sync::Arc;

use app::ports::Backend;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::handler::Handler;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::sessions::session_layer;
use crate::auth::AccountService;
use crate::builds::{BuildEngine, BuildSetup};
use crate::chats::{AssistantSettings, ChatService};
use crate::config::AuthConfig;
use crate::db::DbPool;
use crate::health::DatabaseProbe;
use crate::http::body_limit::{self, MAX_REQUEST_BYTES};
use crate::http::metrics::{self, Metrics};
use crate::http::page_rate_limit::PageRequestLimiter;
use crate::http::stream_slots::StreamSlots;
use crate::http::{
    api, caller, csrf, health, host_check, page_guard, page_rate_limit, rate_limit, reactive_owner,
    security_headers, static_files,
};
use crate::overview::OverviewService;
use crate::projects::ProjectService;
use crate::specs::SpecService;
use crate::webhooks::WebhookEngine;

/// Everything a handler or a server function can reach, behind one `Arc`.
/// axum clones the state for every middleware and extractor a request
/// meets; cloning and dropping its twenty-odd counters one by one, from
/// both cores at once, took a fifth of the CPU under load (perf), and
/// `/healthz` served a fifth of the requests it serves now.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The extractors that take a part of the state (leptos_axum's options).
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for DbPool {
    fn from_ref(state: &AppState) -> Self {
        state.pool.clone()
    }
}

/// The state's parts, reached through [`AppState`].
pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub pool: DbPool,
    pub auth: Arc<AuthConfig>,
    pub accounts: Arc<AccountService>,
    pub chats: Arc<ChatService>,
    pub builds: Arc<BuildEngine>,
    pub webhooks: Arc<WebhookEngine>,
    /// Live streams open now, against their caps.
    pub streams: Arc<StreamSlots>,
    /// Each caller's allowance of page views and server-function calls.
    pub page_requests: Arc<PageRequestLimiter>,
    pub metrics: Arc<Metrics>,
    pub backend: Backend,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        pool: DbPool,
        auth: AuthConfig,
        assistant: AssistantSettings,
        build_setup: BuildSetup,
        webhooks: WebhookEngine,
    ) -> Self {
        let accounts = Arc::new(AccountService::new(pool.clone(), &auth));
        let specs = Arc::new(SpecService::new(pool.clone(), auth.quotas));
        let chats = Arc::new(ChatService::new(pool.clone(), assistant, specs.clone(), auth.quotas));
        let builds = Arc::new(BuildEngine::new(pool.clone(), specs.clone(), build_setup));
        let backend = Backend {
            system: Arc::new(DatabaseProbe { pool: pool.clone() }),
            accounts: accounts.clone(),
            specs,
            projects: Arc::new(ProjectService::new(pool.clone(), auth.quotas)),
            chats: chats.clone(),
            builds: builds.service.clone(),
            artifacts: builds.artifacts.clone(),
            overview: Arc::new(OverviewService::new(pool.clone())),
            webhooks: webhooks.service.clone(),
            previews: builds.preview_service.clone(),
        };
        let webhooks = Arc::new(webhooks);
        let streams = StreamSlots::new(auth.streams);
        let page_requests = Arc::new(PageRequestLimiter::new(auth.page_requests_per_minute));
        let metrics = Arc::new(Metrics::new(&builds.metrics));
        AppState(Arc::new(SharedState {
            leptos_options,
            pool,
            auth: Arc::new(auth),
            accounts,
            chats,
            builds,
            webhooks,
            streams,
            page_requests,
            metrics,
            backend,
        }))
    }
}

/// Answers made per request (pages, JSON) are gzipped at level 5, never
/// brotli-compressed: tower-http's brotli encoder (quality 11 by default,
/// meant for files compressed once) cut the dashboard from 1,205 to 309
/// requests/s for a browser's `Accept-Encoding`, and still to 396 at quality
/// 5; gzip at 5 serves 1,034 (`benches/pages.rs`). The site's own files
/// keep their brotli: they come precompressed (`static_files`).
const COMPRESSION_LEVEL: CompressionLevel = CompressionLevel::Precise(5);

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    // Runs before every render, with the render's own context.
    let provide_backend = {
        let backend = state.backend.clone();
        let preview_frames =
            state.builds.previews.settings.origin.as_ref().map(|origin| origin.frame_source());
        move || {
            provide_context(backend.clone());
            security_headers::announce_page_policy(preview_frames.as_deref());
        }
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, provide_backend.clone(), render_shell)
        .route_layer(from_fn(page_guard::require_sign_in_for_pages))
        .route_layer(from_fn_with_state(state.clone(), page_rate_limit::limit_page_requests));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::serve_metrics))
        .merge(static_files::pkg_router(&state.leptos_options))
        .nest(
            api::PREFIX,
            api::router().layer(from_fn_with_state(state.clone(), rate_limit::limit_api_requests)),
        )
        .merge(pages)
        // Every route above, counted under its template.
        .route_layer(from_fn_with_state(state.clone(), metrics::count_routed_requests))
        // A path no route knows still renders the app (its not-found page): limited as pages are.
        .fallback(
            file_and_error_handler_with_context::<AppState, _>(provide_backend, shell)
                .layer(from_fn_with_state(state.clone(), page_rate_limit::limit_page_requests)),
        )
        // Listed innermost first: a request meets them from the bottom up.
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BYTES))
        // What server functions read their bodies up to (axum's default is
        // 2 MiB, which a 1 MiB spec in Cyrillic, percent-encoded, passes).
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(from_fn(body_limit::refuse_oversized_bodies))
        .layer(from_fn_with_state(state.clone(), caller::identify_caller))
        .layer(session_layer(state.pool.clone(), &state.auth))
        .layer(from_fn_with_state(state.clone(), csrf::refuse_cross_origin_writes))
        .layer(from_fn_with_state(state.clone(), host_check::refuse_unknown_hosts))
        .layer(from_fn_with_state(state.clone(), security_headers::add_security_headers))
        .layer(CompressionLayer::new().br(false).quality(COMPRESSION_LEVEL))
        .layer(from_fn_with_state(state.clone(), metrics::count_other_requests))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outermost, so every poll of everything above runs with the request's own owner.
        .layer(reactive_owner::OwnerPerRequestLayer)
        .with_state(state)
}
