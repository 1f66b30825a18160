//! A build taken over by another machine: two real server processes with
//! data folders (and sandbox roots) of their own share one database and one
//! S3 bucket. The first is killed with SIGKILL mid-build; the second, which
//! never had the work directory, restores it from the latest checkpoint and
//! goes on until the build is paused. Resumed on the first machine again,
//! whose own copy is now out of date, the build restores the newer
//! checkpoint there and completes, git history and all; and the second
//! machine, back with its own out-of-date copy, leaves the archive alone.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use app::model::artifacts::ArtifactState;
use app::model::builds::{BuildEvent, BuildStatus};
use common::processes::{
    build_detail, final_build_detail, free_port, sign_up_over_http, start_build_over_http, Scratch,
    ServerProcess,
};
use common::{migrated_database, run_sql, s3_storage, stored_events, test_s3};
use server::builds::artifacts::checkpoints_prefix;
use server::builds::artifacts::repo as artifact_repo;

const SPEC: &str = "# Notes\n\n## Features\n- Write a note\n- Delete a note\n- Search notes\n- Tag a note\n";
const BUILD_LIMIT: Duration = Duration::from_secs(240);

/// The settings of one "machine": its own data and sandboxes, the shared bucket.
fn machine_env(scratch: &Scratch, name: &str, bucket: &str) -> Vec<(&'static str, String)> {
    let s3 = test_s3();
    vec![
        ("SANDBOX_ROOT", scratch.0.join(name).join("sandboxes").display().to_string()),
        ("BUILD_WORKERS", "1".into()),
        // Slow enough to be killed in the middle of the build.
        ("OFFLINE_AGENT_STEP_DELAY_MS", "300".into()),
        ("STORAGE_BACKEND", "s3".into()),
        ("S3_ENDPOINT", s3.endpoint),
        ("S3_REGION", s3.region),
        ("S3_BUCKET", bucket.to_owned()),
        ("S3_ACCESS_KEY_ID", s3.access_key_id),
        ("S3_SECRET_ACCESS_KEY", s3.secret_access_key),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_whose_machine_dies_goes_on_elsewhere_and_no_out_of_date_copy_is_resumed_or_archived() {
    // Fails here, clearly, when the S3 server is not configured.
    let _ = test_s3();
    let database = migrated_database().await;
    let (storage, bucket) = s3_storage().await;
    let scratch = Scratch::new("agents-failover-test");
    let client = reqwest::Client::new();

    let mut first = ServerProcess::start(
        &database.url,
        free_port(),
        &scratch.0.join("first"),
        &scratch.0.join("first.log"),
        &machine_env(&scratch, "first", &bucket),
    );
    first.wait_until_ready(&client).await;
    let cookie = sign_up_over_http(&client, &first.base, "failover@example.com").await;
    let build = start_build_over_http(&client, &first.base, &cookie, SPEC).await;

    // Kill the first machine once a session's checkpoint is stored and a
    // later feature is under way: its work since then exists only there.
    let prefix = checkpoints_prefix(build.id);
    let deadline = Instant::now() + BUILD_LIMIT;
    let checkpointed = loop {
        let events = stored_events(&database.pool, build.id).await;
        let features_started =
            events.iter().filter(|stored| matches!(stored.event, BuildEvent::FeatureStart { .. })).count();
        let checkpoints = storage.list(&prefix, None, 100).await.expect("list the checkpoints").objects;
        if features_started >= 2 && !checkpoints.is_empty() {
            break checkpoints;
        }
        assert!(Instant::now() < deadline, "the build never got past its first feature");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    first.kill();
    let mut connection = database.pool.get().await.expect("a connection");
    let left =
        server::builds::repo::find_any(&mut connection, build.id).await.expect("read").expect("the build");
    drop(connection);
    assert_eq!(
        left.status(),
        BuildStatus::Running,
        "the dead server's build is still running, under its lease"
    );
    assert!(
        checkpointed.iter().all(|object| object.key.ends_with(".tar.gz")),
        "checkpoints are archives: {checkpointed:?}"
    );

    // Another machine: its own data and sandboxes, nothing of the build on its disk.
    let start_second = || {
        ServerProcess::start(
            &database.url,
            free_port(),
            &scratch.0.join("second"),
            &scratch.0.join("second.log"),
            &machine_env(&scratch, "second", &bucket),
        )
    };
    let mut second = start_second();
    second.wait_until_ready(&client).await;
    // Paused once it has stored a checkpoint of a session the first never ran.
    let deadline = Instant::now() + BUILD_LIMIT;
    loop {
        let checkpoints = storage.list(&prefix, None, 100).await.expect("list the checkpoints").objects;
        if checkpoints.iter().any(|object| checkpoint_session(&object.key) > left.sessions) {
            break;
        }
        assert!(Instant::now() < deadline, "the second machine never finished a session");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let paused = client
        .post(format!("{}/api/builds/{}/pause", second.base, build.id))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("pause the build");
    assert_eq!(paused.status(), 200, "{}", paused.text().await.unwrap_or_default());
    wait_for_status(&client, &second.base, &cookie, build.id, BuildStatus::Paused).await;
    let mut connection = database.pool.get().await.expect("a connection");
    let at_pause =
        server::builds::repo::find_any(&mut connection, build.id).await.expect("read").expect("the build");
    drop(connection);
    assert!(at_pause.features_passing < at_pause.features_total, "paused before the end: {at_pause:?}");
    second.kill();

    // The first machine again, with its copy of the work directory as of
    // before the second machine's sessions.
    let mut first = ServerProcess::start(
        &database.url,
        free_port(),
        &scratch.0.join("first"),
        &scratch.0.join("first-again.log"),
        &machine_env(&scratch, "first", &bucket),
    );
    first.wait_until_ready(&client).await;
    let resumed = client
        .post(format!("{}/api/builds/{}/resume", first.base, build.id))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("resume the build");
    assert_eq!(resumed.status(), 200, "{}", resumed.text().await.unwrap_or_default());
    let done = final_build_detail(
        &client,
        &first.base,
        &cookie,
        build.id,
        BUILD_LIMIT,
        "the build did not finish back on the first machine",
    )
    .await;
    assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
    assert_eq!(done.features_passing, done.features_total);

    let events = stored_events(&database.pool, build.id).await;
    let seqs: Vec<i64> = events.iter().map(|stored| stored.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>(), "no gap in the sequence numbers");
    let restored: Vec<&String> = events
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::Log { line, .. }
                if line.starts_with("Restored the work directory from the checkpoint") =>
            {
                Some(line)
            }
            _ => None,
        })
        .collect();
    // Once on the second machine, which had nothing; once on the first,
    // whose copy was older than the second machine's latest checkpoint.
    assert_eq!(restored.len(), 2, "the work directory was restored twice: {restored:?}");
    let back_on_first = restored[1]
        .strip_prefix("Restored the work directory from the checkpoint of session ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|session| session.parse::<i32>().ok())
        .expect("the session restored");
    assert!(
        back_on_first > left.sessions,
        "the first machine took the newer checkpoint (session {back_on_first}) over its own copy (session {})",
        left.sessions
    );
    assert!(
        !events.iter().any(|stored| matches!(&stored.event, BuildEvent::Error { message, .. } if message.contains("checkpoint"))),
        "every checkpoint was stored"
    );

    // The final archive, through the first machine (a redirect to S3), holds the whole history.
    let deadline = Instant::now() + BUILD_LIMIT;
    let archive = loop {
        let response = client
            .get(format!("{}/api/builds/{}/artifacts", first.base, build.id))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("download the archive");
        if response.status() == 200 {
            break response.bytes().await.expect("the archive's bytes");
        }
        assert!(Instant::now() < deadline, "the archive was never stored: {}", response.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let unpacked = scratch.0.join("unpacked");
    std::fs::create_dir_all(&unpacked).expect("a folder");
    std::fs::write(scratch.0.join("artifacts.tar.gz"), &archive).expect("write the archive");
    let untar = Command::new("tar")
        .arg("-xzf")
        .arg(scratch.0.join("artifacts.tar.gz"))
        .arg("-C")
        .arg(&unpacked)
        .status()
        .expect("run tar");
    assert!(untar.success(), "the archive unpacks");
    let log = Command::new("git")
        .args(["-c", "safe.directory=*", "log", "--oneline"])
        .current_dir(&unpacked)
        .output()
        .expect("run git");
    assert!(log.status.success(), "git log: {}", String::from_utf8_lossy(&log.stderr));
    let commits = String::from_utf8_lossy(&log.stdout).lines().count();
    assert!(
        commits > done.features_total as usize,
        "the history from before the failover came along: {commits} commits for {} features",
        done.features_total
    );
    // They go just after the archive is recorded.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let remaining = storage.list(&prefix, None, 100).await.expect("list the checkpoints").objects;
        if remaining.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the final archive replaced the checkpoints: {remaining:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Were the archive still waiting when the second machine came back,
    // its copy of the work directory, sessions behind, must not be it.
    first.kill();
    run_sql(
        &database.pool,
        &format!(
            "UPDATE build_artifacts SET state = 'pending', claimed_by = NULL, claimed_until = NULL \
             WHERE build_id = '{}'",
            build.id
        ),
    )
    .await;
    let mut second = start_second();
    second.wait_until_ready(&client).await;
    // The archiver looks at once when it starts, then every 5 s.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let mut connection = database.pool.get().await.expect("a connection");
    let state = artifact_repo::state(&mut connection, build.id).await.expect("read");
    assert_eq!(state, Some(ArtifactState::Pending), "the out-of-date copy was not archived");
    drop(connection);
    second.kill();
}

/// The session of a checkpoint's key (`…/checkpoints/000003.tar.gz`).
fn checkpoint_session(key: &str) -> i32 {
    key.rsplit('/')
        .next()
        .and_then(|name| name.strip_suffix(".tar.gz"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("not a checkpoint's key: {key}"))
}

async fn wait_for_status(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    id: uuid::Uuid,
    status: BuildStatus,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let detail = build_detail(client, base, cookie, id).await;
        if detail.status == status {
            return;
        }
        assert!(Instant::now() < deadline, "the build never became {status:?}: {detail:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
