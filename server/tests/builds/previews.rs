//! Live previews end to end: an offline build's app started in its real
//! sandbox (bubblewrap, its own network namespace) on the first visit,
//! reached through the forwarder's socket and the preview origin, shown to
//! its owner alone, stopped when idle and started again, gone with its work
//! directory; streams and upgrades pass, sizes are capped, and neither
//! platform cookie reaches the app.

use std::sync::Arc;
use std::time::Duration;

use app::model::builds::{BuildEvent, BuildStatus, LogStream};
use app::model::previews::{PreviewLink, PreviewState, PreviewStatus};
use axum::Router;
use offline_agent::OfflineAgent;
use server::http::preview_site::{preview_router, PreviewSite, ACCESS_COOKIE};
use server::http::BuildSetup;
use server::previews::access::AccessSigner;
use server::previews::proxy::ProxyLimits;
use server::previews::{PreviewOrigin, PreviewSettings};
use server::sandbox::local::LocalEngine;
use server::sandbox::SandboxEngine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::common::contract::Contract;
use crate::common::database_link::DatabaseLink;
use crate::common::{
    self, api, body_as, create_spec, get_as, sign_up, start_build, stored_events, wait_for_build, As,
    BuildApp, TestDatabase, TestUser,
};

/// An app with one worker whose builds keep their work directories, and
/// its preview origin served on a port of its own.
struct PreviewApp {
    app: BuildApp,
    /// The app's sandbox engine, to change a work directory as the agent
    /// would (written beside the engine, a file could land under the disk's
    /// mount point while it is not mounted, and be hidden by the next mount).
    engine: Arc<LocalEngine>,
    /// The road to the database, which a test can cut (when it asked for one).
    link: Option<DatabaseLink>,
    _database: TestDatabase,
    origin: String,
    client: reqwest::Client,
    _server: tokio::task::JoinHandle<()>,
}

impl PreviewApp {
    async fn start(settings: PreviewSettings) -> Self {
        Self::start_with(settings, common::test_build_settings(1), false).await
    }

    /// One whose road to the database a test can cut (`link`).
    async fn start_linked(settings: PreviewSettings) -> Self {
        Self::start_with(settings, common::test_build_settings(1), true).await
    }

    async fn start_with(
        settings: PreviewSettings,
        builds: server::builds::BuildSettings,
        linked: bool,
    ) -> Self {
        let database = common::migrated_database().await;
        let link = if linked { Some(DatabaseLink::to(&database.url).await) } else { None };
        let served_database = match &link {
            Some(link) => TestDatabase {
                pool: server::db::build_pool(&common::database_config(&link.url)).expect("a pool"),
                url: link.url.clone(),
            },
            None => TestDatabase { pool: database.pool.clone(), url: database.url.clone() },
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let origin = format!("http://localhost:{}", listener.local_addr().expect("an address").port());
        let engine = Arc::new(common::local_sandbox_engine());
        let agent = Arc::new(OfflineAgent::new(builds.offline_step_delay));
        let mut setup: BuildSetup = common::build_setup_with(builds, engine.clone(), agent);
        setup.artifacts.keep_workdirs = true;
        setup.previews =
            PreviewSettings { origin: Some(PreviewOrigin::parse(&origin).expect("an origin")), ..settings };
        let auth = server::config::AuthConfig {
            metrics_token: Some(METRICS_TOKEN.into()),
            ..common::test_auth_config()
        };
        let app = common::build_app_with_auth(&served_database, setup, auth);
        let site = PreviewSite {
            previews: app.state.builds.previews.clone(),
            signer: app.state.builds.preview_signer.clone(),
            origin: PreviewOrigin::parse(&origin).expect("an origin"),
        };
        let router: Router = preview_router(site);
        let server = tokio::spawn(async move {
            let forever = std::future::pending::<()>();
            let _ = server::http::serve::serve(listener, router, forever, Duration::ZERO).await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self { app, engine, link, _database: database, origin, client, _server: server }
    }

    /// A user, and a completed offline build of theirs.
    async fn finished_build(&self, email: &str) -> (TestUser, Uuid) {
        let router = &self.app.router;
        let user = sign_up(router, email).await;
        let spec =
            create_spec(router, &user, "Groceries", "# Groceries\n- add an item\n- remove an item").await;
        let build = start_build(router, &user, spec["id"].as_str().unwrap()).await;
        let done = wait_for_build(router, &user, build.id, Duration::from_secs(120), |build| {
            build.status.is_final()
        })
        .await;
        assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
        (user, build.id)
    }

    /// Writes `contents` to `path` in the build's work directory.
    async fn write(&self, build: Uuid, path: &str, contents: &str) {
        let sandbox =
            self.engine.open(build).await.expect("the sandbox opens").expect("the work directory exists");
        sandbox.write_file(path, contents.as_bytes()).await.expect("the file is written");
    }

    async fn status(&self, user: &TestUser, build: Uuid) -> PreviewStatus {
        let response =
            get_as(&self.app.router, &format!("/api/builds/{build}/preview"), As::User(user)).await;
        assert_eq!(response.status, 200, "{}", response.body);
        body_as(&response)
    }

    /// Follows a fresh signed link; answers the access cookie it set.
    async fn enter(&self, user: &TestUser, build: Uuid) -> String {
        self.enter_as(As::User(user), build).await
    }

    /// Follows a fresh signed link asked for as `caller`; answers the access cookie it set.
    async fn enter_as(&self, caller: As<'_>, build: Uuid) -> String {
        let entered = self.enter_holding(caller, build, None).await;
        let cookie = entered.headers()["set-cookie"].to_str().expect("a cookie").to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("Path=/"), "{cookie}");
        cookie.split(';').next().expect("name=value").to_owned()
    }

    /// Follows a fresh signed link with the cookie the browser holds.
    async fn enter_holding(&self, caller: As<'_>, build: Uuid, cookie: Option<&str>) -> reqwest::Response {
        let response =
            api(&self.app.router, "POST", &format!("/api/builds/{build}/preview/links"), caller, None).await;
        assert_eq!(response.status, 201, "{}", response.body);
        let link: PreviewLink = body_as(&response);
        let path = link.url.split_once("/__preview/").map(|(_, rest)| rest).expect("an enter link");
        let entered = self.get(&format!("/__preview/{path}"), cookie).await;
        assert_eq!(entered.status(), 303);
        entered
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.origin));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("the preview origin answers")
    }

    /// GET `path` until the app has started (the origin answers "starting" meanwhile).
    async fn get_started(&self, path: &str, cookie: &str) -> reqwest::Response {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let response = self.get(path, Some(cookie)).await;
            if response.status() != 503 {
                return response;
            }
            let page = response.text().await.unwrap_or_default();
            assert!(page.contains("Starting the preview"), "{page}");
            assert!(tokio::time::Instant::now() < deadline, "the preview did not start in a minute");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Opens the test app's echo tunnel (`/socket`) with `cookie`; answers
    /// the socket and the head of the answer to the handshake.
    async fn open_tunnel(&self, cookie: &str) -> (tokio::net::TcpStream, String) {
        let address = self.origin.trim_start_matches("http://").replace("localhost", "127.0.0.1");
        let host = self.origin.trim_start_matches("http://");
        let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
        let handshake = format!(
            "GET /socket HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
        );
        socket.write_all(handshake.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0_u8; 1];
            assert_eq!(
                socket.read(&mut byte).await.unwrap(),
                1,
                "the answer ended: {}",
                String::from_utf8_lossy(&head)
            );
            head.push(byte[0]);
        }
        (socket, String::from_utf8_lossy(&head).into_owned())
    }

    /// GET `/` until the origin refuses `cookie` (403), within `limit`.
    async fn refused_within(&self, cookie: &str, limit: Duration) -> reqwest::Response {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let response = self.get("/", Some(cookie)).await;
            if response.status() == 403 {
                return response;
            }
            assert_eq!(response.status(), 200, "the app answers until access ends");
            assert!(tokio::time::Instant::now() < deadline, "access did not end within {limit:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn app_lines(&self, build: Uuid) -> Vec<(LogStream, String)> {
        stored_events(&self.app.state.pool, build)
            .await
            .into_iter()
            .filter_map(|stored| match stored.event {
                BuildEvent::AppLog { stream, line } => Some((stream, line)),
                _ => None,
            })
            .collect()
    }

    async fn wait_for_state(&self, user: &TestUser, build: Uuid, state: PreviewState) -> PreviewStatus {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.status(user, build).await;
            if status.state == state {
                return status;
            }
            assert!(tokio::time::Instant::now() < deadline, "the preview never got to {state:?}: {status:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

const METRICS_TOKEN: &str = "metrics-token-for-the-preview-tests";

impl PreviewApp {
    /// The value of the `/metrics` series named exactly `name`.
    async fn metric(&self, name: &str) -> f64 {
        let request = axum::http::Request::get("/metrics")
            .header("authorization", format!("Bearer {METRICS_TOKEN}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let text = common::send(&self.app.router, request).await.body;
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in:\n{text}"))
    }
}

fn work_dir(build: Uuid) -> std::path::PathBuf {
    common::sandbox_root().join(build.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_opens_the_built_app_through_the_preview_origin_and_nobody_else_can() {
    let preview = PreviewApp::start(common::test_preview_settings()).await;
    let (owner, build) = preview.finished_build("preview-owner@example.com").await;
    let router = &preview.app.router;

    let status = preview.status(&owner, build).await;
    assert_eq!(status.state, PreviewState::Stopped, "{status:?}");
    assert_eq!((status.command.as_deref(), status.port), (Some("node server.js"), Some(3000)));
    assert_eq!(status.address.as_deref(), Some(preview.origin.as_str()));

    // Another user can neither see it nor get a link to it.
    let stranger = sign_up(router, "preview-stranger@example.com").await;
    for (method, path) in
        [("GET", "preview"), ("POST", "preview/links"), ("GET", "preview/open"), ("POST", "preview/restart")]
    {
        let response =
            api(router, method, &format!("/api/builds/{build}/{path}"), As::User(&stranger), None).await;
        assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
    }
    // Without the owner's grant the origin shows nothing of the app.
    let anonymous = preview.get("/", None).await;
    assert_eq!(anonymous.status(), 403);
    assert!(anonymous.text().await.unwrap().contains("Open preview"));
    // Entering from elsewhere clears what another build's app may have left
    // on the shared origin; entering again keeps the app's own data.
    let entered = preview.enter_holding(As::User(&owner), build, None).await;
    assert_eq!(entered.headers()["clear-site-data"], r#""cache", "storage""#);
    let cookie = preview.enter(&owner, build).await;
    let again = preview.enter_holding(As::User(&owner), build, Some(&cookie)).await;
    assert!(again.headers().get("clear-site-data").is_none());
    let forged = format!("{}0", cookie);
    assert_eq!(preview.get("/", Some(&forged)).await.status(), 403, "a changed grant is refused");
    let other_key = AccessSigner::new(vec![1; 32]);
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let minted = other_key.sign(
        server::previews::access::Purpose::Grant,
        &server::previews::access::Access {
            build_id: build,
            user_id: owner.id.parse().unwrap(),
            expires,
            granted_by: server::auth::credential::SignedInBy::token("agt_any"),
        },
    );
    assert_eq!(
        preview.get("/", Some(&format!("{ACCESS_COOKIE}={minted}"))).await.status(),
        403,
        "another key's grant is refused"
    );
    // Another host name (DNS rebinding, a mistyped origin) is not a preview.
    let wrong_host = preview
        .client
        .get(preview.origin.replace("localhost", "127.0.0.1"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_host.status(), 421);

    // The owner's browser gets the app the agent built, started on this first visit.
    let page = preview.get_started("/", &cookie).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Groceries</title>") && html.contains("src/app.js"), "{html}");
    let script = preview.get("/src/app.js", Some(&cookie)).await;
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(preview.status(&owner, build).await.state, PreviewState::Running);

    // Its starting and its own output are in the build's log, as the App category.
    let lines = preview.app_lines(build).await;
    assert!(
        lines.iter().any(|(stream, line)| *stream == LogStream::System
            && line.contains("Preview starting: `node server.js` on port 3000")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(stream, line)| *stream == LogStream::Stdout
            && line.contains("Serving on http://localhost:3000")),
        "{lines:?}"
    );
    preview.app.state.builds.previews.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn access_ends_when_the_token_or_the_sign_in_that_asked_for_it_does() {
    let recheck = Duration::from_millis(300);
    let preview =
        PreviewApp::start(PreviewSettings { access_recheck: recheck, ..common::test_preview_settings() })
            .await;
    let (owner, build) = preview.finished_build("preview-revoked@example.com").await;
    let router = &preview.app.router;
    preview.write(build, "test-app.mjs", TEST_APP).await;
    preview.write(build, "preview.json", r#"{"command": "node test-app.mjs", "port": 4100}"#).await;
    let (token_id, secret) = common::create_token(router, &owner, "preview script").await;
    let by_token = preview.enter_as(As::Token(&secret), build).await;
    let by_session = preview.enter(&owner, build).await;
    assert_eq!(preview.get_started("/", &by_token).await.status(), 200);
    assert_eq!(preview.get("/", Some(&by_session)).await.status(), 200);
    let (mut tunnel, head) = preview.open_tunnel(&by_token).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let mut endless = preview.get("/forever", Some(&by_token)).await;
    assert!(endless.chunk().await.unwrap().is_some(), "the endless answer streams");

    // Revoking the token ends the access it asked for, and only that: its
    // open tunnel closes too.
    let revoked = api(router, "DELETE", &format!("/api/tokens/{token_id}"), As::User(&owner), None).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(recheck * 10, tunnel.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the tunnel stayed open after the token was revoked");
    let cut = tokio::time::timeout(recheck * 10, async {
        loop {
            match endless.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => return "ended as if whole",
                Err(_) => return "cut",
            }
        }
    })
    .await;
    assert_eq!(cut, Ok("cut"), "a streamed answer is cut, with an error, when access ends");
    let ended = preview.refused_within(&by_token, recheck * 10).await;
    assert!(ended.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "the grant is cleared");
    assert!(ended.text().await.unwrap().contains("Access to this preview ended"));
    assert_eq!(preview.get("/", Some(&by_session)).await.status(), 200);

    // Signing out ends the session's.
    let signed_out = common::call_server_fn_as(router, "/fn/sign_out", As::User(&owner), &[]).await;
    assert!(signed_out.status < 400, "{}", signed_out.body);
    preview.refused_within(&by_session, recheck * 10).await;
    preview.app.state.builds.previews.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn access_goes_on_while_the_database_cannot_answer_and_is_asked_again_once_it_can() {
    let recheck = Duration::from_millis(300);
    let preview = PreviewApp::start_linked(PreviewSettings {
        access_recheck: recheck,
        ..common::test_preview_settings()
    })
    .await;
    let link = preview.link.as_ref().expect("a road to the database");
    let (owner, build) = preview.finished_build("preview-outage@example.com").await;
    let router = &preview.app.router;
    preview.write(build, "test-app.mjs", TEST_APP).await;
    preview.write(build, "preview.json", r#"{"command": "node test-app.mjs", "port": 4100}"#).await;
    let (token_id, secret) = common::create_token(router, &owner, "preview script").await;
    let by_token = preview.enter_as(As::Token(&secret), build).await;
    assert_eq!(preview.get_started("/", &by_token).await.status(), 200);

    // The database is gone for several periods: nothing says the token was
    // revoked, so the app stays open, its open tunnel too.
    link.cut();
    let (mut tunnel, head) = preview.open_tunnel(&by_token).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    for _ in 0..4 {
        tokio::time::sleep(recheck).await;
        assert_eq!(preview.get("/", Some(&by_token)).await.status(), 200, "access went on");
    }
    let mut byte = [0_u8; 1];
    let still_open = tokio::time::timeout(recheck * 2, tunnel.read(&mut byte)).await;
    assert!(still_open.is_err(), "the tunnel stayed open: {still_open:?}");

    // Back again: the revocation is seen at the next question.
    link.restore();
    let revoked = api(router, "DELETE", &format!("/api/tokens/{token_id}"), As::User(&owner), None).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    preview.refused_within(&by_token, recheck * 10).await;
    preview.app.state.builds.previews.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_can_be_opened_while_the_agent_is_still_building_it() {
    // Slow steps: the build runs for a while after its skeleton is written.
    let builds = server::builds::BuildSettings {
        offline_step_delay: Duration::from_millis(400),
        ..common::test_build_settings(1)
    };
    let preview = PreviewApp::start_with(common::test_preview_settings(), builds, false).await;
    let router = &preview.app.router;
    let owner = sign_up(router, "preview-live@example.com").await;
    let spec = create_spec(
        router,
        &owner,
        "Groceries",
        "# Groceries\n- add an item\n- remove an item\n- rename an item",
    )
    .await;
    let build = start_build(router, &owner, spec["id"].as_str().unwrap()).await.id;
    // Until the agent writes preview.json there is nothing to open.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while preview.status(&owner, build).await.state == PreviewState::Unavailable {
        assert!(tokio::time::Instant::now() < deadline, "the agent never wrote its start command");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cookie = preview.enter(&owner, build).await;
    let page = preview.get_started("/", &cookie).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Groceries</title>"));
    let detail = get_as(router, &format!("/api/builds/{build}"), As::User(&owner)).await;
    let detail: app::model::builds::BuildDetail = body_as(&detail);
    assert_eq!(detail.status, BuildStatus::Running, "the preview ran while the build did");
    let done =
        wait_for_build(router, &owner, build, Duration::from_secs(120), |build| build.status.is_final())
            .await;
    assert_eq!(done.status, BuildStatus::Completed, "a preview does not disturb the build: {done:#?}");
    preview.app.state.builds.previews.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_preview_stops_starts_again_on_the_next_visit_restarts_on_request_and_goes_with_its_work() {
    let preview = PreviewApp::start(common::test_preview_settings()).await;
    let (owner, build) = preview.finished_build("preview-idle@example.com").await;
    let cookie = preview.enter(&owner, build).await;
    assert_eq!(preview.get_started("/", &cookie).await.status(), 200);

    // Two seconds without a request (the tests' PREVIEW_IDLE_MINUTES) stop it.
    let stopped = preview.wait_for_state(&owner, build, PreviewState::Stopped).await;
    let message = stopped.message.unwrap_or_default();
    assert!(message.contains("without visits"), "{message}");
    assert!(preview.app_lines(build).await.iter().any(|(_, line)| line.contains("without visits")));

    // The next visit starts it again.
    assert_eq!(preview.get_started("/", &cookie).await.status(), 200);
    assert_eq!(preview.status(&owner, build).await.state, PreviewState::Running);

    // A restart on request stops the running app and starts it anew.
    let restarted = api(
        &preview.app.router,
        "POST",
        &format!("/api/builds/{build}/preview/restart"),
        As::User(&owner),
        None,
    )
    .await;
    assert_eq!(restarted.status, 202, "{}", restarted.body);
    Contract::served_by(&preview.app.router).await.assert_honoured(
        "post",
        "/api/builds/{id}/preview/restart",
        &restarted,
    );
    assert_eq!(preview.get_started("/", &cookie).await.status(), 200);
    let starts = preview
        .app_lines(build)
        .await
        .iter()
        .filter(|(_, line)| line.starts_with("Preview starting"))
        .count();
    assert_eq!(starts, 3, "started by the first visit, the visit after the idle stop, and the restart");

    // Removing the work directory (as deleting or archiving does) stops the
    // app first; afterwards there is nothing to preview.
    preview.app.state.builds.artifacts.forget(build).await.expect("the work is removed");
    assert!(!work_dir(build).exists());
    let gone = preview.get("/", Some(&cookie)).await;
    assert_eq!(gone.status(), 404);
    assert!(gone.text().await.unwrap().contains("no work directory"));
    let status = preview.status(&owner, build).await;
    assert_eq!(status.state, PreviewState::Unavailable, "{status:?}");
    // Its task notes the end just after the app's process is gone.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while preview.metric("agents_platform_previews_running").await != 0.0 {
        assert!(tokio::time::Instant::now() < deadline, "the stopped preview is still counted as running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A small app of the test's own in place of the generated one: it streams,
/// echoes what an upgraded connection sends, tells the headers it got, and
/// answers 3 MB on request.
const TEST_APP: &str = r#"
import { createServer } from 'node:http';
const server = createServer((request, response) => {
  if (request.url === '/stream') {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let sent = 0;
    const timer = setInterval(() => {
      response.write(`data: ${sent}\n\n`);
      if (++sent === 3) { clearInterval(timer); response.end(); }
    }, 400);
    return;
  }
  if (request.url === '/forever') {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => response.write('data: more\n\n'), 100);
    response.on('close', () => clearInterval(timer));
    return;
  }
  if (request.url === '/headers') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(request.headers));
    return;
  }
  if (request.url === '/cookies') {
    response.writeHead(200, { 'set-cookie': [
      'agents_session=planted; Path=/',
      'agents_preview=planted; Path=/',
      'cart=4; Path=/',
      'theme=light; Domain=localhost; Path=/; HttpOnly',
    ] });
    response.end('ok');
    return;
  }
  if (request.url === '/big') {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.end(Buffer.alloc(3 * 1024 * 1024, 97));
    return;
  }
  response.writeHead(200).end('ok');
});
server.on('upgrade', (request, socket) => {
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n'
    + 'Set-Cookie: agents_session=planted; Path=/\r\n\r\n');
  socket.on('data', (bytes) => socket.write(bytes));
});
server.listen(Number(process.env.PORT));
console.log(`test app on ${process.env.PORT}`);
"#;

#[tokio::test(flavor = "multi_thread")]
async fn streams_and_upgrades_pass_through_sizes_are_capped_and_no_platform_cookie_reaches_or_leaves_the_app()
{
    let settings = PreviewSettings {
        limits: ProxyLimits {
            max_request_bytes: 64 * 1024,
            max_response_bytes: 1024 * 1024,
            response_timeout: Duration::from_secs(30),
        },
        max_connections: 2,
        ..common::test_preview_settings()
    };
    let preview = PreviewApp::start(settings).await;
    let (owner, build) = preview.finished_build("preview-streams@example.com").await;
    preview.write(build, "test-app.mjs", TEST_APP).await;
    preview.write(build, "preview.json", r#"{"command": "node test-app.mjs", "port": 4100}"#).await;
    let cookie = preview.enter(&owner, build).await;
    assert_eq!(preview.get_started("/", &cookie).await.text().await.unwrap(), "ok");

    // Only the app's own cookies reach it: not the grant, not a platform session.
    let with_cookies = format!("{cookie}; theme=dark; agents_session=platform-secret");
    let headers: serde_json::Value = preview.get("/headers", Some(&with_cookies)).await.json().await.unwrap();
    assert_eq!(headers["cookie"], "theme=dark", "{headers}");
    // Nor can it set a platform cookie, or one for any other host.
    let answer = preview.get("/cookies", Some(&cookie)).await;
    let set: Vec<&str> = answer.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(set.len(), 2, "{set:?}");
    assert_eq!(set[0], "cart=4; Path=/");
    assert!(set[1].starts_with("theme=light") && set[1].contains("HttpOnly"), "{set:?}");
    assert!(!set[1].to_ascii_lowercase().contains("domain"), "{set:?}");

    // A streamed answer arrives as it is written, not at its end.
    let mut stream = preview.get("/stream", Some(&cookie)).await;
    let first = stream.chunk().await.unwrap().expect("a first event");
    let first_at = tokio::time::Instant::now();
    assert!(String::from_utf8_lossy(&first).contains("data: 0"));
    let mut rest = Vec::new();
    while let Some(chunk) = stream.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert!(String::from_utf8_lossy(&rest).contains("data: 2"));
    assert!(
        first_at.elapsed() >= Duration::from_millis(600),
        "the events came together: {:?}",
        first_at.elapsed()
    );

    // An upgraded connection (how WebSockets start) is a tunnel to the app.
    let (mut socket, head) = preview.open_tunnel(&cookie).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(!head.contains("agents_session"), "the handshake plants no platform cookie: {head}");
    socket.write_all(b"hello through the tunnel").await.unwrap();
    let mut echoed = vec![0_u8; 24];
    tokio::time::timeout(Duration::from_secs(10), socket.read_exact(&mut echoed)).await.unwrap().unwrap();
    assert_eq!(echoed, b"hello through the tunnel");
    drop(socket);

    // Bodies over the caps: a request refused before the app sees it, an answer cut.
    let big_request = preview
        .client
        .post(format!("{}/upload", preview.origin))
        .header("cookie", &cookie)
        .body(vec![b'x'; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big_request.status(), 413);
    // Cut where the cap is reached: before the head was sent, or in the body.
    match preview.client.get(format!("{}/big", preview.origin)).header("cookie", &cookie).send().await {
        Ok(big_answer) => assert!(big_answer.bytes().await.is_err(), "an answer over the cap is cut off"),
        Err(error) => assert!(error.is_request(), "{error}"),
    }

    // Two connections are this test's cap: a third waits for neither.
    let mut first = preview.get("/stream", Some(&cookie)).await;
    let mut second = preview.get("/stream", Some(&cookie)).await;
    assert!(first.chunk().await.unwrap().is_some() && second.chunk().await.unwrap().is_some());
    let third = preview.get("/", Some(&cookie)).await;
    assert_eq!(third.status(), 503);
    assert!(third.text().await.unwrap().contains("Too many connections"));
    drop((first, second));
    preview.app.state.builds.previews.shut_down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_that_exits_is_reported_with_its_output_and_a_bad_preview_file_is_explained() {
    let preview = PreviewApp::start(common::test_preview_settings()).await;
    let (owner, build) = preview.finished_build("preview-broken@example.com").await;
    preview
        .write(build, "preview.json", r#"{"command": "echo cannot find module >&2; exit 3", "port": 4200}"#)
        .await;
    let cookie = preview.enter(&owner, build).await;

    let failed = preview.get_started("/", &cookie).await;
    assert_eq!(failed.status(), 502);
    assert!(failed.text().await.unwrap().contains("exited with code 3"));
    let status = preview.wait_for_state(&owner, build, PreviewState::Failed).await;
    assert!(status.message.unwrap_or_default().contains("exited with code 3"));
    let lines = preview.app_lines(build).await;
    assert!(lines.contains(&(LogStream::Stderr, "cannot find module".to_owned())), "{lines:?}");

    preview.write(build, "preview.json", r#"{"command": "node server.js", "port": 80}"#).await;
    let status = preview.status(&owner, build).await;
    assert_eq!(status.state, PreviewState::Unavailable);
    assert!(status.message.unwrap_or_default().contains("port must be from 1024"));
    let refused = preview.get("/", Some(&cookie)).await;
    assert_eq!(refused.status(), 502);
    preview.write(build, "preview.json", "").await;
    let status = preview.status(&owner, build).await;
    assert!(status.message.unwrap_or_default().contains("is not {"), "an empty file is explained");
}
