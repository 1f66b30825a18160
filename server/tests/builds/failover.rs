//! A build taken over by another machine: two real server processes with
//! data folders (and sandbox roots) of their own share one database and one
//! S3 bucket. The first is killed with SIGKILL mid-build; the second, which
//! never had the work directory, restores it from the latest checkpoint and
//! completes the build, git history and all.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use app::model::builds::{BuildEvent, BuildStatus};
use common::processes::{
    final_build_detail, free_port, sign_up_over_http, start_build_over_http, Scratch, ServerProcess,
};
use common::{migrated_database, s3_storage, stored_events, test_s3};
use server::builds::artifacts::checkpoints_prefix;

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
async fn a_build_whose_machine_dies_resumes_on_another_from_its_checkpoint_and_completes() {
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
    let mut second = ServerProcess::start(
        &database.url,
        free_port(),
        &scratch.0.join("second"),
        &scratch.0.join("second.log"),
        &machine_env(&scratch, "second", &bucket),
    );
    second.wait_until_ready(&client).await;
    let done = final_build_detail(
        &client,
        &second.base,
        &cookie,
        build.id,
        BUILD_LIMIT,
        "the build did not finish on the second machine",
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
    assert_eq!(restored.len(), 1, "the second machine restored the work directory once: {restored:?}");
    assert!(
        !events.iter().any(|stored| matches!(&stored.event, BuildEvent::Error { message, .. } if message.contains("checkpoint"))),
        "every checkpoint was stored"
    );

    // The final archive, through the second machine (a redirect to S3), holds the whole history.
    let deadline = Instant::now() + BUILD_LIMIT;
    let archive = loop {
        let response = client
            .get(format!("{}/api/builds/{}/artifacts", second.base, build.id))
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
}
