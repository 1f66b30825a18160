//! Builds across server processes on one database: a server killed with
//! SIGKILL mid-build is restarted and the build resumes and completes with
//! no gap in its events; two processes share the queue without running a
//! build twice; a viewer connected to one process sees, live, the events of
//! a build another process runs.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use app::api::builds::{BuildDetail, BuildEvent, BuildStatus};
use common::{
    build_app, build_setup, create_spec, migrated_database, sign_up, start_build, stored_events,
    wait_for_build,
};

const SERVER: &str = env!("CARGO_BIN_EXE_server");
const SPEC: &str = "# Notes\n\n## Features\n- Write a note\n- Delete a note\n- Search notes\n";
const BUILD_LIMIT: Duration = Duration::from_secs(180);

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A scratch folder removed at the end of the test.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server binary on `port`, logging to a file (a full pipe would stall it).
fn start_server(database_url: &str, port: u16, scratch: &Scratch, log_name: &str) -> Child {
    let log = std::fs::File::create(scratch.0.join(log_name)).expect("a log file");
    Command::new(SERVER)
        .current_dir(&scratch.0)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "agents-platform")
        .env("DATA_DIR", scratch.0.join("data"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("LLM_PROVIDER", "offline")
        .env("BUILD_WORKERS", "1")
        .env("BUILD_LEASE_SECS", "3")
        // Slow enough to be killed in the middle of the build.
        .env("OFFLINE_AGENT_STEP_DELAY_MS", "150")
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start the server")
}

async fn wait_until_ready(client: &reqwest::Client, base: &str, child: &mut Child) {
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
            if response.status() == 200 {
                return;
            }
        }
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the server exited early with {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn build_detail(client: &reqwest::Client, base: &str, cookie: &str, id: uuid::Uuid) -> BuildDetail {
    let response = client
        .get(format!("{base}/api/builds/{id}"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get the build");
    response.json().await.expect("a build")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_killed_with_its_server_resumes_after_the_restart_and_completes_without_gaps() {
    let database = migrated_database().await;
    let scratch = Scratch(std::env::temp_dir().join(format!("agents-kill-test-{}", uuid::Uuid::now_v7())));
    std::fs::create_dir_all(&scratch.0).expect("scratch");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut first = start_server(&database.url, port, &scratch, "first.log");
    wait_until_ready(&client, &base, &mut first).await;

    // Sign up and start a build through the running server, as a browser would.
    let signed_up = client
        .post(format!("{base}/fn/sign_up"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", "crash@example.com"),
                ("display_name", "Crash"),
                ("password", common::PASSWORD),
            ])
            .expect("a form"),
        )
        .send()
        .await
        .expect("sign up");
    assert_eq!(signed_up.status(), 200);
    let cookie = signed_up
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
        .find(|pair| pair.starts_with("agents_session="))
        .expect("a session cookie");
    let spec: serde_json::Value = client
        .post(format!("{base}/api/specs"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({ "name": "Notes", "content": SPEC }))
        .send()
        .await
        .expect("create a spec")
        .json()
        .await
        .expect("a spec");
    let build: BuildDetail = client
        .post(format!("{base}/api/builds"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({ "spec_id": spec["id"] }))
        .send()
        .await
        .expect("start a build")
        .json()
        .await
        .expect("a build");

    // Kill it hard once the agent is working on the first feature.
    let deadline = Instant::now() + BUILD_LIMIT;
    loop {
        let events = stored_events(&database.pool, build.id).await;
        if events.iter().any(|stored| matches!(stored.event, BuildEvent::FeatureStart { .. })) {
            break;
        }
        assert!(Instant::now() < deadline, "the build never reached a feature");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().expect("SIGKILL the server");
    first.wait().expect("reap the server");
    let before_restart = stored_events(&database.pool, build.id).await.len();
    let mut connection = database.pool.get().await.expect("a connection");
    let left =
        server::builds::repo::find_any(&mut connection, build.id).await.expect("read").expect("the build");
    drop(connection);
    assert_eq!(
        left.status(),
        BuildStatus::Running,
        "the dead server's build is still running, under its lease"
    );

    let mut second = start_server(&database.url, port, &scratch, "second.log");
    wait_until_ready(&client, &base, &mut second).await;
    let deadline = Instant::now() + BUILD_LIMIT;
    let done = loop {
        let detail = build_detail(&client, &base, &cookie, build.id).await;
        if detail.status.is_final() {
            break detail;
        }
        assert!(Instant::now() < deadline, "the build did not finish after the restart: {detail:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
    assert_eq!(done.features_passing, done.features_total);

    let events = stored_events(&database.pool, build.id).await;
    assert!(events.len() > before_restart);
    let seqs: Vec<i64> = events.iter().map(|stored| stored.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>(), "no gap in the sequence numbers");
    assert!(
        events.iter().any(|stored| matches!(&stored.event, BuildEvent::Log { line, .. } if line.starts_with("Resuming: the process running this build stopped"))),
        "the second server resumed the build"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_the_queue_without_running_a_build_twice() {
    let database = migrated_database().await;
    let first = build_app(&database, build_setup(1));
    let second = build_app(&database, build_setup(1));
    let workers = [first.state.builds.worker_id(), second.state.builds.worker_id()];
    let user = sign_up(&first.router, "shared@example.com").await;
    let spec = create_spec(&first.router, &user, "Notes", SPEC).await;
    let mut builds = Vec::new();
    for _ in 0..4 {
        builds.push(start_build(&first.router, &user, spec["id"].as_str().unwrap()).await.id);
    }

    let mut ran_on = Vec::new();
    for id in &builds {
        let done =
            wait_for_build(&second.router, &user, *id, BUILD_LIMIT, |build| build.status.is_final()).await;
        assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
        let events = stored_events(&database.pool, *id).await;
        let starts: Vec<&String> = events
            .iter()
            .filter_map(|stored| match &stored.event {
                BuildEvent::Log { line, .. }
                    if line.starts_with("Build started") || line.starts_with("Resuming") =>
                {
                    Some(line)
                }
                _ => None,
            })
            .collect();
        assert_eq!(starts.len(), 1, "claimed exactly once: {starts:?}");
        ran_on.push(
            workers
                .iter()
                .position(|worker| starts[0].contains(&worker.to_string()))
                .expect("names its worker"),
        );
    }
    assert!(ran_on.contains(&0) && ran_on.contains(&1), "both processes took builds: {ran_on:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_on_one_process_sees_live_the_events_of_a_build_another_runs() {
    let database = migrated_database().await;
    let runner = build_app(&database, build_setup(1));
    let viewer = build_app(&database, common::idle_build_setup());
    let viewer_server = common::serve(viewer.router.clone()).await;
    let user = sign_up(&runner.router, "remote@example.com").await;
    let spec = create_spec(&runner.router, &user, "Notes", SPEC).await;
    let build = start_build(&runner.router, &user, spec["id"].as_str().unwrap()).await;

    let streamed = common::watch_build_to_the_end(viewer_server.address, &user, build.id, BUILD_LIMIT).await;
    let live = streamed.iter().filter(|event| !event.historical).count();
    assert!(
        live * 2 > streamed.len(),
        "most events arrived live, not from the catch-up: {live} of {}",
        streamed.len()
    );
    assert_eq!(stored_events(&database.pool, build.id).await.len(), streamed.len());
}
