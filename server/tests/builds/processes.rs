//! Builds across server processes on one database: a server killed with
//! SIGKILL mid-build is restarted and the build resumes and completes with
//! no gap in its events and the killed session's tokens counted; two
//! processes share the queue without running a build twice; a viewer
//! connected to one process sees, live, the events of a build another
//! process runs.

use crate::common;

use std::time::{Duration, Instant};

use app::model::builds::{BuildEvent, BuildStatus, StoredBuildEvent};
use common::database_link::DatabaseLink;
use common::processes::{
    final_build_detail, free_port, sign_up_over_http, start_build_over_http, Scratch, ServerProcess,
};
use common::{
    build_app, build_setup, create_spec, migrated_database, sign_up, start_build, stored_events,
    wait_for_build,
};

const SPEC: &str = "# Notes\n\n## Features\n- Write a note\n- Delete a note\n- Search notes\n";
const BUILD_LIMIT: Duration = Duration::from_secs(180);

/// One worker, the offline agent slow enough to be killed in the middle of the build.
fn slow_worker() -> Vec<(&'static str, String)> {
    vec![("BUILD_WORKERS", "1".into()), ("OFFLINE_AGENT_STEP_DELAY_MS", "150".into())]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_killed_with_its_server_resumes_after_the_restart_and_completes_without_gaps() {
    let database = migrated_database().await;
    let scratch = Scratch::new("agents-kill-test");
    let port = free_port();
    let (data, client) = (scratch.0.join("data"), reqwest::Client::new());
    let mut first =
        ServerProcess::start(&database.url, port, &data, &scratch.0.join("first.log"), &slow_worker());
    first.wait_until_ready(&client).await;

    // Sign up and start a build through the running server, as a browser would.
    let cookie = sign_up_over_http(&client, &first.base, "crash@example.com").await;
    let build = start_build_over_http(&client, &first.base, &cookie, SPEC).await;

    // Kill it hard once the agent is working on the first feature: a
    // tool call there means a model reply of that session came in.
    let deadline = Instant::now() + BUILD_LIMIT;
    loop {
        let events = stored_events(&database.pool, build.id).await;
        let feature_started =
            events.iter().position(|stored| matches!(stored.event, BuildEvent::FeatureStart { .. }));
        let is_working = feature_started.is_some_and(|start| {
            events[start..].iter().any(|stored| matches!(stored.event, BuildEvent::ToolStart { .. }))
        });
        if is_working {
            break;
        }
        assert!(Instant::now() < deadline, "the build never reached a feature");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill();
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
    // The session it killed never ended, yet what its replies used is counted.
    let ended_sessions = session_tokens(&stored_events(&database.pool, build.id).await);
    assert!(
        left.tokens() > ended_sessions,
        "the killed session's tokens count: {} in the build, {ended_sessions} in its ended sessions",
        left.tokens()
    );

    let mut second =
        ServerProcess::start(&database.url, port, &data, &scratch.0.join("second.log"), &slow_worker());
    second.wait_until_ready(&client).await;
    let done = final_build_detail(
        &client,
        &second.base,
        &cookie,
        build.id,
        BUILD_LIMIT,
        "the build did not finish after the restart",
    )
    .await;
    drop(second);
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
    let (total, ended_sessions) = (done.input_tokens + done.output_tokens, session_tokens(&events));
    let killed_session = left.tokens() - session_tokens(&events[..before_restart]);
    assert_eq!(
        total,
        ended_sessions + killed_session,
        "the build's tokens are its ended sessions' and what the killed one used"
    );
}

/// The tokens the build's ended sessions reported.
fn session_tokens(events: &[StoredBuildEvent]) -> i64 {
    events
        .iter()
        .map(|stored| match stored.event {
            BuildEvent::SessionUsage { input_tokens, output_tokens, .. } => input_tokens + output_tokens,
            _ => 0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_the_database_is_down_stops_the_server_within_its_grace_and_the_build_resumes_later() {
    let database = migrated_database().await;
    let link = DatabaseLink::to(&database.url).await;
    let scratch = Scratch::new("agents-term-test");
    let port = free_port();
    let (data, client) = (scratch.0.join("data"), reqwest::Client::new());
    let grace = Duration::from_secs(5);
    let mut env = slow_worker();
    env.push(("SHUTDOWN_GRACE_SECS", grace.as_secs().to_string()));
    let mut first = ServerProcess::start(&link.url, port, &data, &scratch.0.join("first.log"), &env);
    first.wait_until_ready(&client).await;
    let cookie = sign_up_over_http(&client, &first.base, "term@example.com").await;
    let build = start_build_over_http(&client, &first.base, &cookie, SPEC).await;
    let deadline = Instant::now() + BUILD_LIMIT;
    while !stored_events(&database.pool, build.id)
        .await
        .iter()
        .any(|stored| matches!(stored.event, BuildEvent::FeatureStart { .. }))
    {
        assert!(Instant::now() < deadline, "the build never reached a feature");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The database goes, the build's events pile up, and then the operator stops the server.
    link.cut();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let took = first.terminate(grace + Duration::from_secs(10));
    let log = std::fs::read_to_string(scratch.0.join("first.log")).unwrap_or_default();
    let took = took.unwrap_or_else(|| panic!("the server was still running well past its grace:\n{log}"));
    assert!(took <= grace + Duration::from_secs(2), "it took {took:?} with a grace of {grace:?}:\n{log}");

    // With the database back, another server resumes the build and finishes it.
    link.restore();
    let mut second =
        ServerProcess::start(&link.url, port, &data, &scratch.0.join("second.log"), &slow_worker());
    second.wait_until_ready(&client).await;
    let done =
        final_build_detail(&client, &second.base, &cookie, build.id, BUILD_LIMIT, "the build did not finish")
            .await;
    drop(second);
    assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
    assert_eq!(done.features_passing, done.features_total);
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

#[tokio::test(flavor = "multi_thread")]
async fn a_lapsed_lease_is_not_claimed_by_the_process_still_running_the_build_but_is_by_another() {
    use server::builds::repo;
    let database = migrated_database().await;
    let app = build_app(&database, common::idle_build_setup());
    let user = sign_up(&app.router, "lapsed@example.com").await;
    let spec = create_spec(&app.router, &user, "Notes", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let (here, elsewhere) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let mut connection = database.pool.get().await.expect("a connection");
    let lease = Duration::from_millis(1);
    let claimed = repo::claim_next(&mut connection, here, lease, &[]).await.expect("a claim");
    assert_eq!(claimed.map(|claimed| claimed.build.id), Some(build.id));
    tokio::time::sleep(Duration::from_millis(50)).await;

    let again = repo::claim_next(&mut connection, here, lease, &[build.id]).await.expect("a claim");
    assert!(again.is_none(), "the process still running it must not start it twice");
    let taken = repo::claim_next(&mut connection, elsewhere, lease, &[]).await.expect("a claim");
    let taken = taken.expect("another process takes the build whose lease lapsed");
    assert_eq!(taken.build.id, build.id);
    assert!(taken.was_orphaned, "it resumes as a run whose process stopped");
}
