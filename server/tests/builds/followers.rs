//! Many people watching one build that another process writes: each gets
//! every event once and in order, while the database is read once per
//! commit for all of them, not once per viewer.

use crate::common;

use std::time::Duration;

use app::model::builds::{BuildEvent, BuildStatus, LogStream};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use server::builds::repo::append_events;
use tokio::task::JoinSet;

const VIEWERS: usize = 100;
const COMMITS: usize = 30;
const EVENTS_PER_COMMIT: usize = 10;
/// PostgreSQL flushes an idle backend's table statistics within ten seconds.
const STATISTICS_FLUSH: Duration = Duration::from_secs(11);

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_viewers_of_a_build_written_elsewhere_share_one_reader_and_miss_nothing() {
    let database = common::migrated_database().await;
    let app = common::build_app(&database, common::idle_build_setup());
    let server = common::serve(app.router.clone()).await;
    let user = common::sign_up(&app.router, "crowd@example.com").await;
    let build = common::running_build_row(&database.pool, &user).await;

    let mut viewers = JoinSet::new();
    for _ in 0..VIEWERS {
        let (user, address) = (user.clone(), server.address);
        viewers.spawn(async move {
            common::watch_build_to_the_end(address, &user, build, Duration::from_secs(60)).await
        });
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.state.streams.open_streams() < VIEWERS {
        assert!(tokio::time::Instant::now() < deadline, "the viewers did not all connect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let every viewer finish catching up on the (empty) history first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reads_before = build_event_reads(&database.url).await;

    // Another process writing: its own connection, its own transactions, NOTIFY.
    let mut writer = AsyncPgConnection::establish(&database.url).await.expect("a writer connection");
    for commit in 0..COMMITS {
        let mut batch: Vec<_> = (0..EVENTS_PER_COMMIT)
            .map(|line| {
                let line = format!("commit {commit} line {line}");
                (Utc::now(), BuildEvent::Log { stream: LogStream::Stdout, line })
            })
            .collect();
        if commit + 1 == COMMITS {
            batch.push((Utc::now(), BuildEvent::Status { status: BuildStatus::Completed, reason: None }));
        }
        writer
            .transaction(async |connection| append_events(connection, build, &batch).await)
            .await
            .expect("append a batch");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let total = COMMITS * EVENTS_PER_COMMIT + 1;
    while let Some(watched) = viewers.join_next().await {
        let events = watched.expect("a viewer");
        // watch_build_to_the_end checked the numbering: from 1, no gap, no repeat.
        assert_eq!(events.len(), total, "every viewer gets every event");
        assert!(events.iter().all(|event| !event.historical), "all of them live");
    }

    tokio::time::sleep(STATISTICS_FLUSH).await;
    let reads = build_event_reads(&database.url).await - reads_before;
    // One reader: about one read per commit, plus each viewer's closing read
    // when the build ends. One reader per viewer would be well over 3,000.
    let ceiling = (COMMITS + 2 * VIEWERS + 30) as i64;
    assert!(reads <= ceiling, "{reads} reads of build_events for {VIEWERS} viewers and {COMMITS} commits");
}

/// How many times build_events was read (index and table scans), by
/// PostgreSQL's own count for this database.
async fn build_event_reads(url: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Reads {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        reads: i64,
    }
    let mut connection = AsyncPgConnection::establish(url).await.expect("a connection");
    let reads: Reads = diesel::sql_query(
        "SELECT (coalesce(idx_scan, 0) + coalesce(seq_scan, 0))::bigint AS reads \
         FROM pg_stat_user_tables WHERE relname = 'build_events'",
    )
    .get_result(&mut connection)
    .await
    .expect("the statistics");
    reads.reads
}
