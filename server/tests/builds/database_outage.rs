//! PostgreSQL gone for twenty seconds in the middle of a build: pages and
//! the API answer 503 with a message a person can read, the run stops
//! itself before its lease runs out (another worker could take the build),
//! one run resumes it once the database is back and goes on to the end, and
//! its history has every event once. And a group of events whose COMMIT
//! went unanswered is stored once.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::builds::{BuildEvent, BuildStatus};
use common::database_link::DatabaseLink;
use offline_agent::OfflineAgent;
use server::builds::build_metrics::BuildMetrics;
use server::builds::events::{self, EventLimits, EventSink};
use server::builds::hub::EventHub;
use server::builds::BuildSettings;
use server::db::{build_pool, DbPool};
use server::llm::Usage;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

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

/// The link goes down just after a group's COMMIT was sent: the writer
/// cannot know whether the database committed it (it did) and sends it
/// again once the link is back, which finds it stored, although another
/// writer of the build (a preview's) committed meanwhile. Each event and
/// each token counts once.
#[tokio::test(flavor = "multi_thread")]
async fn a_group_whose_commit_went_unanswered_is_stored_once() {
    let database = common::migrated_database().await;
    let app = common::build_app(&database, common::idle_build_setup());
    let user = common::sign_up(&app.router, "unanswered@example.com").await;
    let spec = common::create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = common::start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let before = common::stored_events(&database.pool, build.id).await;

    let link = DatabaseLink::to(&database.url).await;
    let linked = build_pool(&common::database_config(&link.url)).expect("a pool");
    let (runs, run_writer) = writer_of(build.id, linked);
    let (previews, preview_writer) = writer_of(build.id, database.pool.clone());
    link.go_down_after_the_next_commit();
    // One event: the first group holds it whatever else the writer gathers.
    runs.emit(BuildEvent::system_log("the run's line")).await;
    runs.spend(Usage { input_tokens: 1_000, output_tokens: 200 }).await;
    let flushed = tokio::spawn(async move { runs.flush().await });
    let deadline = Instant::now() + Duration::from_secs(10);
    while link.commit_answers_lost() == 0 {
        assert!(Instant::now() < deadline, "the group's COMMIT never went through the link");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    previews.emit(BuildEvent::system_log("the preview's line")).await;
    previews.flush().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!flushed.is_finished(), "the run's writer waits for the link");
    link.restore();
    flushed.await.expect("the run's writer flushed");
    drop(previews);
    run_writer.await.expect("the run's writer");
    preview_writer.await.expect("the preview's writer");

    let stored = common::stored_events(&database.pool, build.id).await;
    let lines: Vec<&str> = stored[before.len()..]
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::Log { line, .. } => Some(line.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(lines, ["the run's line", "the preview's line"], "each event once: {stored:#?}");
    let seqs: Vec<i64> = stored.iter().map(|stored| stored.seq).collect();
    assert_eq!(seqs, (1..=stored.len() as i64).collect::<Vec<_>>(), "no gap in the sequence numbers");
    let mut connection = database.pool.get().await.expect("a connection");
    let row =
        server::builds::repo::find_any(&mut connection, build.id).await.expect("read").expect("the build");
    assert_eq!((row.input_tokens, row.output_tokens), (1_000, 200), "the tokens counted once");
}

/// A writer of `build_id`'s events on `pool`, with generous limits.
fn writer_of(build_id: Uuid, pool: DbPool) -> (EventSink, tokio::task::JoinHandle<()>) {
    events::spawn_writer(
        pool.clone(),
        Arc::new(EventHub::new(pool)),
        build_id,
        EventLimits { max_events: 1_000, max_bytes: 1 << 20 },
        CancellationToken::new(),
        BuildMetrics::default(),
    )
}
