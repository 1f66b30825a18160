//! `GET /metrics` in the Prometheus text format, for the operator's
//! monitoring: requests by route, method and status with their latency;
//! builds by state and how long the oldest queued one has waited; open live
//! streams; webhook deliveries waiting; and the build engine's own series
//! (event commits, model tokens, sandbox commands, see `builds::build_metrics`). Off unless `METRICS_TOKEN` is set, and
//! then only for a caller sending that token as a bearer token, so how busy
//! the platform is stays the operator's business.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use diesel::sql_types::{BigInt, Double, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::builds::build_metrics::BuildMetrics;
use crate::db::static_sql::static_sql;
use crate::db::StoreError;
use crate::http::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The route's template (`/api/builds/{id}`), never the path itself, so
    /// hostile paths cannot grow the series without bound.
    route: String,
    /// One of the standard methods, or `OTHER`: a method is any token a
    /// client makes up, and each new one would be a series kept forever.
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

/// Every series this process reports.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    builds: Family<StatusLabels, Gauge>,
    oldest_queued_secs: Gauge,
    live_streams: Gauge,
    webhook_backlog: Gauge,
}

/// From 1 ms to about 33 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Metrics {
    /// The server's series, and the build engine's `builds`.
    pub fn new(builds: &BuildMetrics) -> Self {
        let mut registry = Registry::with_prefix("agents_platform");
        builds.register(&mut registry);
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        let latency: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route, method and status",
            latency.clone(),
        );
        let builds = Family::<StatusLabels, Gauge>::default();
        registry.register("builds", "Builds by status", builds.clone());
        let oldest_queued_secs = Gauge::default();
        registry.register(
            "queue_oldest_wait_seconds",
            "How long the oldest queued build has waited (0 when none waits)",
            oldest_queued_secs.clone(),
        );
        let live_streams = Gauge::default();
        registry.register(
            "live_streams",
            "Live streams (build events, chat replies) open in this process",
            live_streams.clone(),
        );
        let webhook_backlog = Gauge::default();
        registry.register(
            "webhook_deliveries_pending",
            "Webhook deliveries not yet delivered nor given up",
            webhook_backlog.clone(),
        );
        Self { registry, requests, latency, builds, oldest_queued_secs, live_streams, webhook_backlog }
    }
}

/// Marks an answer whose request a route already counted.
#[derive(Clone, Copy)]
struct Counted;

/// Counts a request a route answered, under the route's template. A route
/// layer, so the matched route is known.
pub async fn count_routed_requests(
    State(state): State<AppState>,
    route: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let route = route.map_or_else(|| "unmatched".to_owned(), |route| route.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let mut response = next.run(request).await;
    state.metrics.observe(route, method, response.status(), started);
    response.extensions_mut().insert(Counted);
    response
}

/// Counts what no route answered (the not-found page, static files) as
/// `unmatched`.
pub async fn count_other_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    if response.extensions().get::<Counted>().is_none() {
        state.metrics.observe("unmatched".to_owned(), method, response.status(), started);
    }
    response
}

/// The method's label: the standard ones by name, any other as `OTHER`.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [&str; 9] =
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];
    STANDARD.into_iter().find(|name| *name == method.as_str()).unwrap_or("OTHER")
}

impl Metrics {
    fn observe(&self, route: String, method: &'static str, status: StatusCode, started: Instant) {
        let labels = RequestLabels { route, method, status: status.as_u16() };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    }
}

#[derive(QueryableByName)]
struct BuildCount {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct QueueFacts {
    #[diesel(sql_type = Double)]
    oldest_wait_secs: f64,
    #[diesel(sql_type = BigInt)]
    pending_deliveries: i64,
}

/// The series read at scrape time from the database: two queries, whatever
/// the number of builds.
async fn read_database_gauges(state: &AppState) -> Result<(), StoreError> {
    let mut connection = state.pool.get().await?;
    let counts: Vec<BuildCount> =
        static_sql("SELECT status, count(*) AS count FROM builds GROUP BY status", ())
            .load(&mut connection)
            .await?;
    let facts: QueueFacts = static_sql(
        "SELECT COALESCE((SELECT extract(epoch FROM now() - min(created_at)) FROM builds \
             WHERE status = 'queued'), 0)::float8 AS oldest_wait_secs, \
         (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending') AS pending_deliveries",
        (),
    )
    .get_result(&mut connection)
    .await?;
    let metrics = &state.metrics;
    metrics.builds.clear();
    for BuildCount { status, count } in counts {
        metrics.builds.get_or_create(&StatusLabels { status }).set(count);
    }
    metrics.oldest_queued_secs.set(facts.oldest_wait_secs.round() as i64);
    metrics.webhook_backlog.set(facts.pending_deliveries);
    Ok(())
}

/// `GET /metrics`: 404 while no token is configured, 401 without the token.
pub async fn serve_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.auth.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Digests of equal length compare without telling how much of the token matched.
    if Sha256::digest(sent.as_bytes()) != Sha256::digest(expected.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Send METRICS_TOKEN as a bearer token.\n",
        )
            .into_response();
    }
    if let Err(error) = read_database_gauges(&state).await {
        tracing::warn!(%error, "metrics: the database could not be read; its series keep their last values");
    }
    state.metrics.live_streams.set(i64::try_from(state.streams.open_streams()).unwrap_or(i64::MAX));
    let mut body = String::new();
    if encode(&mut body, &state.metrics.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body)
        .into_response()
}
