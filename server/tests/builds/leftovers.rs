//! Work directories left on a machine after their build's archive was
//! stored: by a server killed between storing the archive and removing the
//! directory, or by a run there that another machine took over and
//! finished. The archiver removes them as it starts, keeping only current
//! copies where `SANDBOX_KEEP_WORKDIRS` asks it to.

use crate::common;

use std::time::Duration;

use app::model::artifacts::ArtifactState;
use app::model::builds::BuildStatus;
use common::{
    build_app, build_setup, create_spec, migrated_database, run_sql, sandbox_root, sign_up, start_build,
    wait_for_artifact, wait_for_build, BuildApp, TestUser,
};
use uuid::Uuid;

const SPEC: &str = "# Tally\n\n## Features\n- Count up\n- Reset the count\n";
const BUILD_LIMIT: Duration = Duration::from_secs(180);

fn app_keeping_work_directories(database: &common::TestDatabase, workers: usize, keep: bool) -> BuildApp {
    let mut setup = build_setup(workers);
    setup.artifacts.keep_workdirs = keep;
    build_app(database, setup)
}

/// Builds `SPEC` to its end, with its archive stored.
async fn archived_build(app: &BuildApp, user: &TestUser) -> Uuid {
    let spec = create_spec(&app.router, user, "Tally", SPEC).await;
    let build = start_build(&app.router, user, spec["id"].as_str().unwrap()).await;
    let build =
        wait_for_build(&app.router, user, build.id, BUILD_LIMIT, |build| build.status.is_final()).await;
    assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");
    let artifact = wait_for_artifact(&app.router, user, build.id, BUILD_LIMIT).await;
    assert_eq!(artifact.state, ArtifactState::Stored, "{artifact:#?}");
    build.id
}

/// Whether the build's work directory or its disk is on this machine
/// (looked at without opening it, which would take its disk).
fn is_here(id: Uuid) -> bool {
    let root = sandbox_root();
    root.join(id.to_string()).exists() || root.join(format!("{id}.img")).exists()
}

async fn wait_until_gone(id: Uuid, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while is_here(id) {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn work_directories_left_after_their_archive_go_and_kept_ones_stay_only_while_current() {
    let database = migrated_database().await;
    // Kept, as a server killed between storing an archive and removing its
    // work directory leaves it.
    let first = app_keeping_work_directories(&database, 2, true);
    let user = sign_up(&first.router, "leftovers@example.com").await;
    let (one, other) = tokio::join!(archived_build(&first, &user), archived_build(&first, &user));
    // Looked at in the order the builds were made: the current copy first.
    let (current, behind) = (one.min(other), one.max(other));
    drop(first);
    assert!(is_here(current) && is_here(behind), "both work directories were kept");
    // As if another machine had run a later session of the second build:
    // the copy here is behind it.
    run_sql(&database.pool, &format!("UPDATE builds SET sessions = sessions + 1 WHERE id = '{behind}'"))
        .await;

    // A server that keeps work directories removes the old copy only; by
    // then it has passed the current one by.
    let keeping = app_keeping_work_directories(&database, 0, true);
    wait_until_gone(behind, "the copy sessions behind its build was removed").await;
    assert!(is_here(current), "the current copy is kept, as asked");
    drop(keeping);

    // One that does not keep them removes the other as well.
    let _removing = app_keeping_work_directories(&database, 0, false);
    wait_until_gone(current, "the work directory left after its archive was removed").await;
}
