//! PostgreSQL gone for twenty seconds in the middle of a build: pages and
//! the API answer 503 with a message a person can read, the run stops
//! itself before its lease runs out (another worker could take the build),
//! one run resumes it once the database is back and goes on to the end, and
//! its history has every event once.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::builds::{BuildEvent, BuildStatus};
use common::database_link::DatabaseLink;
use offline_agent::OfflineAgent;
use server::builds::BuildSettings;
use server::db::build_pool;

const OUTAGE: Duration = Duration::from_secs(20);
const SPEC: &str = "# Todo\n\n## Features\n- Add a todo\n- List todos\n- Complete a todo\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_build_waits_out_twenty_seconds_without_its_database_and_goes_on_with_nothing_lost() {
    let database = common::migrated_database().await;
    let link = DatabaseLink::to(&database.url).await;
    let linked = common::TestDatabase {
        pool: build_pool(&common::database_config(&link.url)).expect("a pool"),
        url: link.url.clone(),
    };
    // Slow enough that the build is still going when the database goes; a
    // second worker free to claim it once its 3 s lease has lapsed.
    let settings =
        BuildSettings { offline_step_delay: Duration::from_millis(400), ..common::test_build_settings(2) };
    let setup = common::build_setup_with(
        settings,
        Arc::new(common::local_sandbox_engine()),
        Arc::new(OfflineAgent::new(Duration::from_millis(400))),
    );
    let app = common::build_app(&linked, setup);
    let server = common::serve(app.router.clone()).await;
    let user = common::sign_up(&app.router, "outage@example.com").await;
    let spec = common::create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = common::start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let viewer = {
        let user = user.clone();
        let address = server.address;
        tokio::spawn(async move {
            common::watch_build_to_the_end(address, &user, build.id, Duration::from_secs(240)).await
        })
    };
    common::wait_for_build(&app.router, &user, build.id, Duration::from_secs(60), |build| {
        build.status == BuildStatus::Running && build.sessions >= 1
    })
    .await;

    link.cut();
    let done_before = common::stored_events(&database.pool, build.id)
        .await
        .iter()
        .filter(|stored| matches!(stored.event, BuildEvent::FeatureEnd { passed: true, .. }))
        .count();
    let cut_at = Instant::now();
    let api =
        common::get_as(&app.router, &format!("/api/builds/{}", build.id), common::As::User(&user)).await;
    assert_eq!(api.status, 503, "{}", api.body);
    let error: serde_json::Value = serde_json::from_str(&api.body).expect("a JSON error");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("try again"), "a message a person can act on: {message}");
    let page = common::get_as(&app.router, "/", common::As::User(&user)).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("try again"), "the page says what to do: {}", page.body);
    tokio::time::sleep(OUTAGE.saturating_sub(cut_at.elapsed())).await;
    link.restore();

    let page = common::get_as(&app.router, "/", common::As::User(&user)).await;
    assert_eq!(page.status, 200, "pages answer again once it is back");
    let finished = common::wait_for_build(&app.router, &user, build.id, Duration::from_secs(180), |build| {
        build.status.is_final()
    })
    .await;
    assert_eq!(finished.status, BuildStatus::Completed, "{:?}", finished.status_reason);

    // The viewer that watched through it got the whole history, numbered
    // from 1 without a gap or a repeat (watch_build_to_the_end checks).
    let watched = viewer.await.expect("the viewer");
    let stored = common::stored_events(&database.pool, build.id).await;
    assert_eq!(watched.len(), stored.len(), "the viewer saw every stored event");
    // Nothing done twice: each feature passed once, and no event was lost to the outage.
    let passes: Vec<&str> = stored
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::FeatureEnd { description, passed: true, .. } => Some(description.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(passes.len(), 3, "{passes:?}");
    assert!(
        done_before < passes.len(),
        "the outage came in the middle of the build ({done_before} features done)"
    );
    // The run that lost its database stopped itself, and one run took over:
    // never two at once on one work directory.
    let resumptions = stored
        .iter()
        .filter(|stored| {
            matches!(&stored.event, BuildEvent::Log { line, .. } if line.starts_with("Resuming: the process running this build stopped"))
        })
        .count();
    assert_eq!(resumptions, 1, "one run resumed the build after the outage");
    let lost = stored.iter().any(|stored| {
        matches!(&stored.event, BuildEvent::Error { message, .. } if message.contains("could not be stored"))
    });
    assert!(!lost, "no event was replaced by a note");
}
