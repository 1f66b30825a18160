//! A thousand people watching one running build. The server (this process:
//! the real router on loopback, a private PostgreSQL) serves the build's
//! event stream; the viewers run in a child process (this binary again), so
//! the memory figures are the server's alone; the build is written by
//! "another process" (its own connection and transactions, announced by
//! NOTIFY), the case where the server must read the events to pass them on.
//! Prints: whether every viewer got every event once and in order, the
//! server's memory before, while watching and at its peak, database
//! transactions and reads of the events table per second while they watch,
//! and the delay from an event's commit to the viewers (p50, p99).
//!
//! Run with `scripts/bench`, or
//! `BENCH_DATABASE_URL=postgres://… cargo bench -p server --bench viewers`.
//! `BENCH_VIEWERS` changes the number of viewers.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "shared/memory.rs"]
mod memory;

use std::process::Stdio;
use std::time::{Duration, Instant};

use app::model::builds::{BuildEvent, BuildStatus, LogStream, StreamedBuildEvent};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use memory::MemoryWatch;
use server::builds::repo::append_events;
use tokio::io::AsyncReadExt;
use tokio::task::JoinSet;
use uuid::Uuid;

const VIEWERS: usize = 1_000;
/// The build's pace: commits per second, lines per commit, for how long.
const COMMITS_PER_SEC: u64 = 10;
const LINES_PER_COMMIT: usize = 10;
const WRITE_FOR: Duration = Duration::from_secs(20);
/// PostgreSQL flushes an idle backend's statistics within ten seconds.
const STATISTICS_FLUSH: Duration = Duration::from_secs(11);
const LINE: &str =
    "test src/features/add_todo.test.js ... ok: adds a todo with its title and marks it open (3ms)";
/// Set in the child that plays the viewers.
const VIEWERS_ROLE: &str = "BENCH_VIEWERS_ROLE";

/// The server binary's allocator, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    if std::env::var_os(VIEWERS_ROLE).is_some() {
        return watch_as_viewers().await;
    }
    let viewers: usize = std::env::var("BENCH_VIEWERS").ok().and_then(|n| n.parse().ok()).unwrap_or(VIEWERS);
    let database = common::migrated_database().await;
    let app = common::build_app(&database, common::idle_build_setup());
    let server = common::serve(app.router.clone()).await;
    let user = common::sign_up(&app.router, "viewers-bench@example.com").await;
    let build = common::running_build_row(&database.pool, &user).await;
    let before_viewers = memory::status_kb("VmRSS").unwrap_or(0);

    let mut child = tokio::process::Command::new(std::env::current_exe().expect("this binary"))
        .env(VIEWERS_ROLE, "1")
        .env("BENCH_URL", format!("http://{}/api/builds/{build}/stream", server.address))
        .env("BENCH_COOKIE", &user.cookie)
        .env("BENCH_VIEWERS", viewers.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the viewers");
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.state.streams.open_streams() < viewers {
        assert!(Instant::now() < deadline, "only {} viewers connected", app.state.streams.open_streams());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every viewer has read the (empty) history, and its statistics are in.
    tokio::time::sleep(STATISTICS_FLUSH).await;
    let with_viewers = memory::status_kb("VmRSS").unwrap_or(0);
    let watch = MemoryWatch::start();
    let counts_before = DatabaseCounts::read(&database.url).await;

    let mut writer = AsyncPgConnection::establish(&database.url).await.expect("a writer connection");
    let (commits, lines) = write_lines(&mut writer, build).await;
    let peak = watch.finish();
    // The viewers idle a while after the last line: the follower's looks count too.
    tokio::time::sleep(STATISTICS_FLUSH).await;
    let watched = DatabaseCounts::read(&database.url).await.since(&counts_before);
    let seconds = WRITE_FOR.as_secs_f64() + STATISTICS_FLUSH.as_secs_f64();
    let counts_before_ending = DatabaseCounts::read(&database.url).await;
    append(
        &mut writer,
        build,
        vec![(Utc::now(), BuildEvent::Status { status: BuildStatus::Completed, reason: None })],
    )
    .await;

    let mut output = String::new();
    child
        .stdout
        .take()
        .expect("the viewers' output")
        .read_to_string(&mut output)
        .await
        .expect("their report");
    let status = child.wait().await.expect("the viewers end");
    assert!(status.success(), "the viewers failed: {output}");
    tokio::time::sleep(STATISTICS_FLUSH).await;
    let ending = DatabaseCounts::read(&database.url).await.since(&counts_before_ending);

    println!(
        "{viewers} viewers of one build written elsewhere at {} lines/s for {} s ({lines} lines in {commits} commits)",
        COMMITS_PER_SEC as usize * LINES_PER_COMMIT,
        WRITE_FOR.as_secs()
    );
    print!("{output}");
    println!(
        "server memory: {:.1} MiB before the viewers, {:.1} MiB with them connected, {:.1} MiB at the peak while they watched ({:.0} KiB per viewer; {})",
        before_viewers as f64 / 1024.0,
        with_viewers as f64 / 1024.0,
        peak.peak_mb(),
        (peak.peak_mb() * 1024.0 - before_viewers as f64) / viewers as f64,
        peak.method()
    );
    // The writer's own transactions are not the server's.
    println!(
        "database over {seconds:.0} s of watching: {:.1} transactions/s by the server, {:.1} reads of the events/s ({} reads for {commits} commits)",
        watched.transactions.saturating_sub(commits as i64) as f64 / seconds,
        watched.event_reads as f64 / seconds,
        watched.event_reads
    );
    println!(
        "the ending (final status, every viewer's closing read): {} transactions, {} reads of the events",
        ending.transactions.saturating_sub(1),
        ending.event_reads
    );
}

/// Commits the build's lines at a steady pace; answers the commits and
/// lines written.
async fn write_lines(writer: &mut AsyncPgConnection, build: Uuid) -> (usize, usize) {
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / COMMITS_PER_SEC));
    let commits = (WRITE_FOR.as_secs() * COMMITS_PER_SEC) as usize;
    for _ in 0..commits {
        tick.tick().await;
        let batch = (0..LINES_PER_COMMIT)
            .map(|_| (Utc::now(), BuildEvent::Log { stream: LogStream::Stdout, line: LINE.into() }))
            .collect();
        append(writer, build, batch).await;
    }
    (commits, commits * LINES_PER_COMMIT)
}

/// One commit, as another server process's runner makes it.
async fn append(
    writer: &mut AsyncPgConnection,
    build: Uuid,
    batch: Vec<(chrono::DateTime<Utc>, BuildEvent)>,
) {
    writer
        .transaction(async |connection| append_events(connection, build, &batch).await)
        .await
        .expect("append a batch");
}

/// The child: opens the streams, reads each to its end, checks that every
/// viewer got the same events numbered from 1 with no gap and no repeat,
/// and prints what it saw.
async fn watch_as_viewers() {
    let url = std::env::var("BENCH_URL").expect("BENCH_URL");
    let cookie = std::env::var("BENCH_COOKIE").expect("BENCH_COOKIE");
    let viewers: usize = std::env::var("BENCH_VIEWERS").expect("BENCH_VIEWERS").parse().expect("a number");
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("a client");
    let mut watching = JoinSet::new();
    for _ in 0..viewers {
        let request = client.get(&url).header("cookie", &cookie);
        watching.spawn(async move { watch_one(request).await });
    }
    let mut counts = Vec::new();
    let mut delays = Vec::new();
    while let Some(watched) = watching.join_next().await {
        let watched = watched.expect("a viewer");
        counts.push(watched.events);
        delays.extend(watched.delays_ms);
    }
    let expected = counts.iter().copied().max().unwrap_or(0);
    let complete = counts.iter().filter(|count| **count == expected).count();
    assert_eq!(complete, viewers, "some viewers missed events: {counts:?}");
    delays.sort_by(f64::total_cmp);
    let at = |quantile: f64| delays[((delays.len() - 1) as f64 * quantile).round() as usize];
    println!(
        "every viewer got all {expected} events once, in order, then `complete`: {complete} of {viewers}"
    );
    println!("commit → viewer: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", at(0.5), at(0.99), at(1.0));
}

struct Watched {
    events: usize,
    delays_ms: Vec<f64>,
}

async fn watch_one(request: reqwest::RequestBuilder) -> Watched {
    let response = request.send().await.expect("the stream opens");
    assert!(response.status().is_success(), "the stream answered {}", response.status());
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut watched = Watched { events: 0, delays_ms: Vec::new() };
    let mut is_complete = false;
    while let Some(chunk) = body.next().await {
        buffer.push_str(std::str::from_utf8(&chunk.expect("a chunk")).expect("text"));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            for message in common::parse_sse(&block) {
                if message.event == "complete" {
                    is_complete = true;
                } else if message.event == "build" {
                    let event: StreamedBuildEvent = serde_json::from_str(&message.data).expect("an event");
                    assert_eq!(event.seq, watched.events as i64 + 1, "no gap, no repeat");
                    watched.events += 1;
                    let delay = Utc::now() - event.at;
                    watched.delays_ms.push(delay.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0);
                }
            }
        }
    }
    assert!(is_complete, "the stream ended without `complete`");
    watched
}

/// PostgreSQL's own counts for the bench's database.
struct DatabaseCounts {
    transactions: i64,
    event_reads: i64,
}

impl DatabaseCounts {
    async fn read(url: &str) -> Self {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            transactions: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            event_reads: i64,
        }
        let mut connection = AsyncPgConnection::establish(url).await.expect("a connection");
        let row: Row = diesel::sql_query(
            "SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database())::bigint \
               AS transactions, \
             (SELECT coalesce(idx_scan, 0) + coalesce(seq_scan, 0) FROM pg_stat_user_tables \
               WHERE relname = 'build_events')::bigint AS event_reads",
        )
        .get_result(&mut connection)
        .await
        .expect("the statistics");
        Self { transactions: row.transactions, event_reads: row.event_reads }
    }

    /// What was spent since `before` (less the reading's own transaction).
    fn since(&self, before: &Self) -> Self {
        Self {
            transactions: self.transactions - before.transactions - 1,
            event_reads: self.event_reads - before.event_reads,
        }
    }
}
