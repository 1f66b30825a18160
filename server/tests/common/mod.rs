//! Shared set-up for the integration tests: a fresh database per test on the
//! private PostgreSQL that `scripts/test` starts, and a router over it.

#![allow(dead_code)] // each test binary uses a different part of this module

pub mod archives;
pub mod contract;
pub mod database_link;
pub mod processes;
pub mod webhook_receiver;
pub mod wire_servers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::model::chats::ChatDetail;
use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use offline_agent::OfflineAgent;
use server::builds::{ArtifactSettings, BuildSettings};
use server::chats::AssistantSettings;
use server::config::{AuthConfig, DatabaseConfig};
use server::db::migrations::run_pending_migrations;
use server::db::{build_pool, DbPool};
use server::http::{router, AppState, BuildSetup};
use server::llm::{provider_from_config, LlmConfig, LlmProvider};
use server::quotas::Quotas;
use server::rate_limits::Quota;
use server::sandbox::local::{LocalEngine, LocalEngineConfig};
use server::sandbox::{SandboxEngine, SandboxLimits, SandboxNetwork};
use server::storage::signed_url::UrlSigner;
use server::storage::{S3Timeouts, Storage, StorageBackend};
use server::webhooks::{WebhookEngine, WebhookSettings};
use tower::ServiceExt;
use uuid::Uuid;

/// The maintenance database URL of the test cluster (the benchmarks' when
/// only `BENCH_DATABASE_URL` is set).
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").or_else(|_| std::env::var("BENCH_DATABASE_URL")).expect(
        "TEST_DATABASE_URL is not set: run the tests through scripts/test (the benchmarks through \
         scripts/bench), which starts a private PostgreSQL and sets it",
    )
}

/// `url` with its database name replaced by `database`.
pub fn url_for_database(url: &str, database: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("a database URL has a path");
    format!("{server}/{database}")
}

/// Creates a new, empty database and returns its URL.
pub async fn empty_database() -> String {
    let name = format!("test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = AsyncPgConnection::establish(&admin_url()).await.expect("connect to the test cluster");
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.expect("create a test database");
    url_for_database(&admin_url(), &name)
}

pub fn database_config(url: &str) -> DatabaseConfig {
    DatabaseConfig {
        url: url.to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_secs(10),
    }
}

/// A new database with every migration applied.
pub struct TestDatabase {
    pub url: String,
    pub pool: DbPool,
}

pub async fn migrated_database() -> TestDatabase {
    let url = empty_database().await;
    run_pending_migrations(&url).await.expect("apply migrations");
    let pool = build_pool(&database_config(&url)).expect("build the pool");
    TestDatabase { url, pool }
}

/// The site's root is `tests/site`: `public/`'s favicon (a link), so it is
/// served as in production, and a manifest of WASM chunks per split point
/// such as a release build writes, so pages name their chunks' preloads.
/// (No WASM: these tests do not hydrate.)
pub fn test_leptos_options() -> LeptosOptions {
    let site = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/site");
    LeptosOptions::builder().output_name("agents-platform").site_root(site).build()
}

/// The product's settings, but a request limit and quotas no test reaches:
/// tests poll far faster than people and create more than most, and the
/// limits have tests of their own.
pub fn test_auth_config() -> AuthConfig {
    let roomy = 1_000_000;
    AuthConfig {
        api_requests: Quota::per_minute(roomy),
        page_requests_per_minute: std::num::NonZeroU32::new(roomy).expect("not zero"),
        quotas: Quotas {
            specs: roomy.into(),
            chats: roomy.into(),
            projects: roomy.into(),
            api_tokens: roomy.into(),
            ..Quotas::default()
        },
        streams: server::config::StreamLimits { per_user: 10_000, total: 10_000 },
        ..AuthConfig::default()
    }
}

/// The settings of a server behind a TLS proxy at `https://agents.example.com`.
pub fn https_auth_config() -> AuthConfig {
    AuthConfig {
        public_origin: Some("https://agents.example.com".into()),
        secure_cookies: true,
        ..AuthConfig::default()
    }
}

pub fn app_with_pool(pool: DbPool) -> Router {
    app_with_auth(pool, test_auth_config())
}

pub fn app_with_auth(pool: DbPool, auth: AuthConfig) -> Router {
    router(app_state(pool, auth, offline_assistant(), idle_build_setup()))
}

/// A test app's state: its webhook engine (not yet sending) keeps to the
/// same quotas as the rest, as the server's does.
pub fn app_state(
    pool: DbPool,
    auth: AuthConfig,
    assistant: AssistantSettings,
    setup: BuildSetup,
) -> AppState {
    let webhooks = WebhookEngine::new(pool.clone(), test_webhook_settings(), auth.quotas)
        .expect("the webhook HTTP client builds");
    AppState::new(test_leptos_options(), pool, auth, assistant, setup, webhooks)
}

/// Webhook delivery for tests: local receivers allowed, retries within a second.
pub fn test_webhook_settings() -> WebhookSettings {
    WebhookSettings {
        allow_private_networks: true,
        max_attempts: 6,
        first_retry: Duration::from_millis(200),
        max_retry: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
        poll_every: Duration::from_millis(100),
    }
}

/// Where the tests' build sandboxes live (each build has its own directory).
pub fn sandbox_root() -> PathBuf {
    std::env::temp_dir().join("agents-platform-test-sandboxes")
}

/// Build settings for tests: quick leases, the offline agent at full speed,
/// and as many starts an hour as a test makes (the limit has its own test).
pub fn test_build_settings(workers: usize) -> BuildSettings {
    BuildSettings {
        workers,
        lease: Duration::from_secs(3),
        poll_every: Duration::from_millis(200),
        offline_step_delay: Duration::ZERO,
        starts_per_user: Quota::per_hour(1_000_000),
        ..BuildSettings::default()
    }
}

/// The local engine's settings for tests: every limit enforced (the tests
/// run as root, as CI does), builds as the default sandbox user.
pub fn sandbox_config(root: PathBuf, limits: SandboxLimits, network: SandboxNetwork) -> LocalEngineConfig {
    LocalEngineConfig {
        root,
        limits,
        network,
        allow_unisolated: false,
        allow_unlimited: false,
        forwarder: env!("CARGO_BIN_EXE_sandbox-forwarder").into(),
        sandbox_uid: server::sandbox::local::DEFAULT_SANDBOX_UID,
    }
}

pub fn local_sandbox_engine() -> LocalEngine {
    let limits = SandboxLimits { timeout: Duration::from_secs(120), ..SandboxLimits::default() };
    LocalEngine::new(sandbox_config(sandbox_root(), limits, SandboxNetwork::None))
        .expect("bubblewrap is installed (scripts/setup installs it)")
}

/// Builds can be started and watched, but no worker runs them here.
pub fn idle_build_setup() -> BuildSetup {
    build_setup(0)
}

/// The built-in offline agent, at full speed, in real sandboxes, archiving
/// into a local store of the test's own.
pub fn build_setup(workers: usize) -> BuildSetup {
    build_setup_with(
        test_build_settings(workers),
        std::sync::Arc::new(local_sandbox_engine()),
        std::sync::Arc::new(OfflineAgent::new(Duration::ZERO)),
    )
}

/// Builds on `sandbox` with `agent`, archiving into a local store of the test's own.
pub fn build_setup_with(
    settings: BuildSettings,
    sandbox: std::sync::Arc<dyn SandboxEngine>,
    agent: std::sync::Arc<dyn LlmProvider>,
) -> BuildSetup {
    BuildSetup {
        settings,
        sandbox,
        agent,
        storage: local_storage(&test_objects_root()),
        artifacts: ArtifactSettings::default(),
        prices: server::llm::prices::ModelPrices::default(),
        previews: test_preview_settings(),
        preview_signer: std::sync::Arc::new(server::previews::access::AccessSigner::new(vec![9; 32])),
    }
}

/// Previews as the tests use them: served at `http://localhost:3002` as far
/// as links go (tests serve the preview router themselves), stopped after
/// two seconds without requests.
pub fn test_preview_settings() -> server::previews::PreviewSettings {
    server::previews::PreviewSettings {
        idle: Duration::from_secs(2),
        start_timeout: Duration::from_secs(30),
        ..server::previews::PreviewSettings::default()
    }
}

/// A new directory for a test's objects.
pub fn test_objects_root() -> PathBuf {
    std::env::temp_dir().join("agents-platform-test-objects").join(Uuid::now_v7().to_string())
}

/// Object storage in `root`, signing with a fixed test key.
pub fn local_storage(root: &std::path::Path) -> Storage {
    Storage::open(&StorageBackend::Local { root: root.to_owned() }, test_url_signer())
        .expect("local storage opens")
}

pub fn test_url_signer() -> UrlSigner {
    UrlSigner::new(b"a test signing key of enough bytes".to_vec()).expect("32 bytes or more")
}

/// The built-in model without pauses between tokens.
pub fn offline_assistant() -> AssistantSettings {
    assistant_for(&LlmConfig { offline_token_delay: Duration::ZERO, ..LlmConfig::default() })
}

pub fn assistant_for(config: &LlmConfig) -> AssistantSettings {
    AssistantSettings {
        provider: provider_from_config(config).expect("a provider for the test configuration"),
        max_tokens: config.max_tokens,
        max_continuations: config.max_continuations,
    }
}

/// A router over a fresh, migrated database.
pub async fn test_app() -> (Router, TestDatabase) {
    let database = migrated_database().await;
    (app_with_pool(database.pool.clone()), database)
}

/// A router over a fresh database whose object storage is the directory
/// answered, for tests that put archives there themselves.
pub async fn test_app_with_objects() -> (Router, TestDatabase, PathBuf) {
    let database = migrated_database().await;
    let objects = test_objects_root();
    let setup = BuildSetup { storage: local_storage(&objects), ..idle_build_setup() };
    let app = router(app_state(database.pool.clone(), test_auth_config(), offline_assistant(), setup));
    (app, database, objects)
}

/// A router whose database cannot be reached (nothing listens on the port).
pub fn app_without_database() -> Router {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    let mut config = database_config(&format!("postgres://app:app@127.0.0.1:{port}/gone"));
    config.acquire_timeout = Duration::from_secs(1);
    app_with_pool(build_pool(&config).expect("build the pool"))
}

pub struct TestResponse {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for binary answers.
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

/// Far longer than any answer a test waits for. An answer that never ends
/// (a render stuck on a resource) then fails its test, naming the request,
/// instead of holding the whole run until CI's limit.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends `request` to the router and reads the whole answer.
pub async fn send(app: &Router, request: Request<Body>) -> TestResponse {
    let asked = format!("{} {}", request.method(), request.uri());
    let answer = async {
        let response: Response<Body> = app.clone().oneshot(request).await.expect("the router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("read the body").to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    };
    tokio::time::timeout(ANSWER_TIMEOUT, answer)
        .await
        .unwrap_or_else(|_| panic!("{asked} did not answer within {ANSWER_TIMEOUT:?}"))
}

pub async fn get(app: &Router, path: &str) -> TestResponse {
    send(app, Request::get(path).body(Body::empty()).expect("a valid request")).await
}

/// Calls a server function the way the browser does (a form-encoded POST).
pub async fn call_server_fn(app: &Router, path: &str) -> TestResponse {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::empty())
        .expect("a valid request");
    send(app, request).await
}

/// How a test request identifies itself.
#[derive(Clone, Copy)]
pub enum As<'a> {
    Anonymous,
    /// With the user's session cookie, like their browser.
    User(&'a TestUser),
    /// With `Authorization: Bearer`, like a script holding a personal token.
    Token(&'a str),
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A user who signed up through the real server function.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    /// `agents_session=<id>`, ready for a `Cookie` header.
    pub cookie: String,
}

fn request_as(builder: axum::http::request::Builder, caller: As<'_>) -> axum::http::request::Builder {
    match caller {
        As::Anonymous => builder,
        As::User(user) => builder.header("cookie", &user.cookie),
        As::Token(token) => builder.header("authorization", format!("Bearer {token}")),
    }
}

pub async fn get_as(app: &Router, path: &str, caller: As<'_>) -> TestResponse {
    send(app, request_as(Request::get(path), caller).body(Body::empty()).expect("a valid request")).await
}

/// Calls a server function as the hydrated page does: a form-encoded POST
/// that asks for JSON back.
pub async fn call_server_fn_as(
    app: &Router,
    path: &str,
    caller: As<'_>,
    form: &[(&str, &str)],
) -> TestResponse {
    let body = serde_urlencoded::to_string(form).expect("encode the form");
    let request = request_as(Request::post(path), caller)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(body))
        .expect("a valid request");
    send(app, request).await
}

/// A REST call with an optional JSON body.
pub async fn api(
    app: &Router,
    method: &str,
    path: &str,
    caller: As<'_>,
    body: Option<serde_json::Value>,
) -> TestResponse {
    let builder = request_as(Request::builder().method(method).uri(path), caller);
    let request = match body {
        Some(json) => builder.header("content-type", "application/json").body(Body::from(json.to_string())),
        None => builder.body(Body::empty()),
    };
    send(app, request.expect("a valid request")).await
}

/// The `agents_session=<id>` pair a response sets, if it sets one.
pub fn session_cookie(response: &TestResponse) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .find(|pair| pair.starts_with("agents_session=") && pair.len() > "agents_session=".len())
        .map(str::to_owned)
}

pub async fn sign_up(app: &Router, email: &str) -> TestUser {
    let form = [("email", email), ("display_name", "Test User"), ("password", PASSWORD)];
    let response = call_server_fn_as(app, "/fn/sign_up", As::Anonymous, &form).await;
    assert_eq!(response.status, 200, "sign-up failed: {}", response.body);
    let cookie = session_cookie(&response).expect("signing up sets the session cookie");
    let mut user = TestUser { id: String::new(), email: email.to_owned(), cookie };
    let me = get_as(app, "/api/me", As::User(&user)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    user.id = me.json()["id"].as_str().expect("an id").to_owned();
    user
}

pub async fn sign_in(app: &Router, email: &str, password: &str) -> TestResponse {
    call_server_fn_as(app, "/fn/sign_in", As::Anonymous, &[("email", email), ("password", password)]).await
}

/// Creates a personal API token for `user` through the REST API and returns its secret.
pub async fn create_token(app: &Router, user: &TestUser, name: &str) -> (String, String) {
    let response =
        api(app, "POST", "/api/tokens", As::User(user), Some(serde_json::json!({ "name": name }))).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let created = response.json();
    let id = created["token"]["id"].as_str().expect("a token id").to_owned();
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    (id, secret)
}

/// Creates a spec for `user` through the REST API and returns it as JSON.
pub async fn create_spec(app: &Router, user: &TestUser, name: &str, content: &str) -> serde_json::Value {
    let body = serde_json::json!({ "name": name, "content": content });
    let response = api(app, "POST", "/api/specs", As::User(user), Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

/// Creates a project for `user` through the REST API and returns its id.
pub async fn create_project(app: &Router, user: &TestUser, name: &str) -> String {
    let body = serde_json::json!({ "name": name, "description": "" });
    let response = api(app, "POST", "/api/projects", As::User(user), Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()["id"].as_str().expect("a project id").to_owned()
}

/// A router whose offline model pauses 20 ms between tokens, so a reply
/// takes seconds: long enough to watch it stream, reload the page or stop it.
pub fn app_with_slow_assistant(pool: DbPool) -> Router {
    router(slow_assistant_state(pool))
}

/// The state of [`app_with_slow_assistant`], for a test that also shuts it down.
pub fn slow_assistant_state(pool: DbPool) -> AppState {
    let assistant =
        assistant_for(&LlmConfig { offline_token_delay: Duration::from_millis(20), ..LlmConfig::default() });
    app_state(pool, test_auth_config(), assistant, idle_build_setup())
}

/// The body of `response` read as `T`.
pub fn body_as<T: serde::de::DeserializeOwned>(response: &TestResponse) -> T {
    serde_json::from_str(&response.body)
        .unwrap_or_else(|error| panic!("not a {} ({error}): {}", std::any::type_name::<T>(), response.body))
}

/// Runs SQL on the test database directly, for state no endpoint makes
/// (a full request ledger, a reply a stopped server left behind).
pub async fn run_sql(pool: &DbPool, sql: &str) {
    let mut connection = pool.get().await.expect("a connection to the test database");
    connection.batch_execute(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// The whole number `sql` selects as `value`: `None` for no row or NULL.
pub async fn number_from(pool: &DbPool, sql: &str) -> Option<i64> {
    use diesel::OptionalExtension;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        value: Option<i64>,
    }
    let mut connection = pool.get().await.expect("a connection to the test database");
    let row: Option<Number> = diesel::sql_query(sql)
        .get_result(&mut connection)
        .await
        .optional()
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    row.and_then(|row| row.value)
}

/// Starts a chat for `user` through the REST API; its reply is then being written.
pub async fn start_chat(app: &Router, user: &TestUser, message: &str) -> ChatDetail {
    let body = serde_json::json!({ "message": message });
    let response = api(app, "POST", "/api/chats", As::User(user), Some(body)).await;
    assert_eq!(response.status, 202, "{}", response.body);
    body_as(&response)
}

/// Reads the chat until no reply is being written in it, and answers it as it
/// then is. Replies of the test app's model take milliseconds; ten seconds
/// leave room for a busy machine.
pub async fn wait_for_reply(app: &Router, caller: As<'_>, chat_id: Uuid) -> ChatDetail {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let response = get_as(app, &format!("/api/chats/{chat_id}"), caller).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let chat: ChatDetail = body_as(&response);
        if !chat.is_replying() {
            return chat;
        }
        assert!(tokio::time::Instant::now() < deadline, "still replying after 10 s: {}", response.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The router served on a real socket, for clients that need one (such as a
/// reader of server-sent events). The server stops when this is dropped.
pub struct TestServer {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve(app: Router) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
    let address = listener.local_addr().expect("local address");
    // The production accept loop (TCP_NODELAY, the peer's address), never asked to stop.
    let task = tokio::spawn(async move {
        let forever = std::future::pending::<()>();
        if let Err(error) = server::http::serve::serve(listener, app, forever, Duration::ZERO).await {
            eprintln!("the test server stopped: {error}");
        }
    });
    TestServer { address, task }
}

/// A router with its build engine running: `workers` of them here, and the
/// listener that hears other processes on the same database.
pub struct BuildApp {
    pub router: Router,
    pub state: AppState,
}

impl Drop for BuildApp {
    fn drop(&mut self) {
        // Runs stop at once; their leases run out for any other engine to resume.
        self.state.builds.begin_shutdown();
        self.state.webhooks.begin_shutdown();
    }
}

pub fn build_app(database: &TestDatabase, setup: BuildSetup) -> BuildApp {
    build_app_with_auth(database, setup, test_auth_config())
}

pub fn build_app_with_auth(database: &TestDatabase, setup: BuildSetup, auth: AuthConfig) -> BuildApp {
    let state = app_state(database.pool.clone(), auth, offline_assistant(), setup);
    state.builds.start(Some(database.url.clone()));
    state.webhooks.start();
    BuildApp { router: router(state.clone()), state }
}

/// Asks the REST API to start a build of `spec_id` for `user`, and answers
/// what it said.
pub async fn request_build(app: &Router, user: &TestUser, spec_id: &str) -> TestResponse {
    let body = serde_json::json!({ "spec_id": spec_id });
    api(app, "POST", "/api/builds", As::User(user), Some(body)).await
}

/// Starts a build of `spec_id` for `user` through the REST API.
pub async fn start_build(app: &Router, user: &TestUser, spec_id: &str) -> app::model::builds::BuildDetail {
    let response = request_build(app, user, spec_id).await;
    assert_eq!(response.status, 201, "{}", response.body);
    body_as(&response)
}

/// Reads the build until `is_done` holds for it, for at most `limit`.
pub async fn wait_for_build(
    app: &Router,
    user: &TestUser,
    id: Uuid,
    limit: Duration,
    is_done: impl Fn(&app::model::builds::BuildDetail) -> bool,
) -> app::model::builds::BuildDetail {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let response = get_as(app, &format!("/api/builds/{id}"), As::User(user)).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let build: app::model::builds::BuildDetail = body_as(&response);
        if is_done(&build) {
            return build;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the build did not get there in {limit:?}: {build:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A build row in the running state, owned by `user`, that no worker runs:
/// for tests and benchmarks that write its events themselves.
pub async fn running_build_row(pool: &DbPool, user: &TestUser) -> Uuid {
    let id = Uuid::now_v7();
    run_sql(
        pool,
        &format!(
            "INSERT INTO builds (id, user_id, status, spec_content, spec_name, started_at)
             VALUES ('{id}', '{}', 'running', '# A test build', 'A test build', now())",
            user.id
        ),
    )
    .await;
    id
}

/// Every event of a build, straight from the database, in order.
pub async fn stored_events(pool: &DbPool, id: Uuid) -> Vec<app::model::builds::StoredBuildEvent> {
    let mut connection = pool.get().await.expect("a connection");
    server::builds::repo::events_after(&mut connection, id, 0, 1_000_000).await.expect("read events")
}

/// One server-sent event as a client reads it.
#[derive(Debug, Clone)]
pub struct SseMessage {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// Splits a server-sent events body into messages (comments skipped).
pub fn parse_sse(body: &str) -> Vec<SseMessage> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(|block| {
            let mut message = SseMessage { event: "message".into(), id: None, data: String::new() };
            let mut has_field = false;
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "event" => message.event = value.to_owned(),
                    "id" => message.id = Some(value.to_owned()),
                    "data" => {
                        if !message.data.is_empty() {
                            message.data.push('\n');
                        }
                        message.data.push_str(value);
                    }
                    _ => continue,
                }
                has_field = true;
            }
            has_field.then_some(message)
        })
        .collect()
}

/// Watches a build's stream over a real socket until it closes, and answers
/// its events, after checking that it ended with `complete` and that the
/// events came numbered from 1 with no gap and no repeat.
pub async fn watch_build_to_the_end(
    address: SocketAddr,
    user: &TestUser,
    id: Uuid,
    limit: Duration,
) -> Vec<app::model::builds::StreamedBuildEvent> {
    let body = reqwest::Client::new()
        .get(format!("http://{address}/api/builds/{id}/stream"))
        .header("cookie", &user.cookie)
        .timeout(limit)
        .send()
        .await
        .expect("open the build stream")
        .text()
        .await
        .expect("read the build stream to its end");
    let messages = parse_sse(&body);
    assert_eq!(messages.last().map(|message| message.event.as_str()), Some("complete"), "{body}");
    let streamed: Vec<app::model::builds::StreamedBuildEvent> = messages
        .iter()
        .filter(|message| message.event == "build")
        .map(|message| serde_json::from_str(&message.data).expect("an event"))
        .collect();
    let seqs: Vec<i64> = streamed.iter().map(|event| event.seq).collect();
    assert_eq!(seqs, (1..=streamed.len() as i64).collect::<Vec<_>>(), "no gap, no repeat");
    streamed
}

/// Reads the build's archive state until it settles (stored, failed or
/// expired), for at most `limit`.
pub async fn wait_for_artifact(
    app: &Router,
    user: &TestUser,
    id: Uuid,
    limit: Duration,
) -> app::model::artifacts::ArtifactInfo {
    use app::model::artifacts::ArtifactState;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let response = get_as(app, &format!("/api/builds/{id}/artifacts?info=true"), As::User(user)).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let info: app::model::artifacts::ArtifactInfo = body_as(&response);
        if matches!(info.state, ArtifactState::Stored | ArtifactState::Failed | ArtifactState::Expired) {
            return info;
        }
        assert!(tokio::time::Instant::now() < deadline, "the archive did not settle in {limit:?}: {info:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Hex SHA-256 of `bytes`, as the archive records and manifests give it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The S3-compatible server (moto) that `scripts/test` starts, and its credentials.
pub struct TestS3 {
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

pub fn test_s3() -> TestS3 {
    let variable = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: run the tests through scripts/test, which starts a private \
                 S3-compatible server (moto) and sets it"
            )
        })
    };
    TestS3 {
        endpoint: variable("TEST_S3_ENDPOINT").trim_end_matches('/').to_owned(),
        region: variable("TEST_S3_REGION"),
        access_key_id: variable("TEST_S3_ACCESS_KEY"),
        secret_access_key: variable("TEST_S3_SECRET_KEY"),
    }
}

/// A new, empty bucket of the test's own on the test S3 server; answers its
/// name. Moto checks no signatures, so a plain `PUT /<bucket>` makes it.
pub async fn new_s3_bucket() -> String {
    let bucket = format!("test-{}", Uuid::now_v7().simple());
    let response = reqwest::Client::new()
        .put(format!("{}/{bucket}", test_s3().endpoint))
        .send()
        .await
        .expect("reach the test S3 server");
    assert!(response.status().is_success(), "creating the bucket {bucket}: {}", response.status());
    bucket
}

/// Object storage in `bucket` of the test S3 server, reached at `endpoint`
/// (the server itself, or something standing in front of it), its requests
/// timed as `timeouts` say (the platform's defaults for `None`).
pub fn s3_storage_at(endpoint: &str, bucket: &str, timeouts: Option<S3Timeouts>) -> Storage {
    let s3 = test_s3();
    let settings = server::storage::S3Settings {
        endpoint: Some(endpoint.to_owned()),
        region: s3.region,
        bucket: bucket.to_owned(),
        access_key_id: s3.access_key_id,
        secret_access_key: s3.secret_access_key,
        path_style: true,
        timeouts: timeouts.unwrap_or_default(),
    };
    Storage::open(&StorageBackend::S3(settings), test_url_signer()).expect("S3 storage opens")
}

/// Object storage in a new bucket of the test S3 server; answers it and the bucket's name.
pub async fn s3_storage() -> (Storage, String) {
    let bucket = new_s3_bucket().await;
    (s3_storage_at(&test_s3().endpoint, &bucket, None), bucket)
}
