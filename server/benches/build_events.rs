//! How fast build log lines travel from the runner through the database to a
//! viewer's server-sent events, against raw `COPY` into the same table as
//! the reference. Prints, in one run:
//! - raw COPY rows/s;
//! - lines/s runner → database → SSE viewer (and the ratio to COPY);
//! - p50/p99 latency from emit to viewer at a steady 1,000 lines/s.
//!
//! Run with `scripts/bench` (it starts a private PostgreSQL), or
//! `BENCH_DATABASE_URL=postgres://… cargo bench -p server --bench build_events`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use app::model::builds::{BuildEvent, LogStream, StreamedBuildEvent};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use server::builds::events::spawn_writer;
use uuid::Uuid;

/// Lines for the throughput runs.
const LINES: usize = 200_000;
/// The steady rate and duration of the latency run.
const RATE_PER_SEC: u64 = 1_000;
const LATENCY_SECS: u64 = 10;
/// A log line about the size of a compiler's or a test runner's.
const LINE: &str =
    "test src/features/add_todo.test.js ... ok: adds a todo with its title and marks it open (3ms)";

#[tokio::main]
async fn main() {
    let database = common::migrated_database().await;
    let app = common::build_app(&database, common::idle_build_setup());
    let server = common::serve(app.router.clone()).await;
    let user = common::sign_up(&app.router, "bench@example.com").await;

    let copy_rate = raw_copy(&database.url, &user).await;
    println!("raw COPY into build_events:           {copy_rate:>10.0} rows/s");

    let build = common::running_build_row(&database.pool, &user).await;
    let (lines, elapsed, _) = run_viewer(&app, &server, &user, build, LINES, None).await;
    let pipeline_rate = lines as f64 / elapsed.as_secs_f64();
    println!(
        "runner → database → SSE viewer:        {pipeline_rate:>10.0} lines/s ({:.0} % of raw COPY; {lines} lines in {:.2} s)",
        100.0 * pipeline_rate / copy_rate,
        elapsed.as_secs_f64()
    );

    let build = common::running_build_row(&database.pool, &user).await;
    let steady_lines = (RATE_PER_SEC * LATENCY_SECS) as usize;
    let (_, _, latencies) = run_viewer(&app, &server, &user, build, steady_lines, Some(RATE_PER_SEC)).await;
    println!(
        "emit → viewer at {RATE_PER_SEC} lines/s for {LATENCY_SECS} s:  p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} lines)",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        latencies.len()
    );
}

/// COPY of `LINES` rows shaped like the engine's, in one transaction.
async fn raw_copy(url: &str, user: &common::TestUser) -> f64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(connection);
    let build = Uuid::now_v7();
    client
        .batch_execute(&format!(
            "INSERT INTO builds (id, user_id, spec_content) VALUES ('{build}', '{}', '# copy')",
            user.id
        ))
        .await
        .expect("a build for the copy");
    let payload = serde_json::to_string(&BuildEvent::Log { stream: LogStream::Stdout, line: LINE.into() })
        .expect("json")
        .replace('\\', "\\\\");
    let started = Instant::now();
    let sink = client
        .copy_in("COPY build_events (build_id, seq, kind, payload, created_at) FROM STDIN")
        .await
        .expect("start COPY");
    futures_util::pin_mut!(sink);
    let mut chunk = String::new();
    for seq in 1..=LINES {
        chunk.push_str(&format!("{build}\t{seq}\tlog\t{payload}\t2026-12-01 00:00:00+00\n"));
        if chunk.len() > 256 * 1024 {
            sink.send(Bytes::from(std::mem::take(&mut chunk))).await.expect("send rows");
        }
    }
    sink.send(Bytes::from(chunk)).await.expect("send rows");
    let rows = sink.finish().await.expect("finish COPY");
    assert_eq!(rows as usize, LINES);
    LINES as f64 / started.elapsed().as_secs_f64()
}

/// Emits `count` lines into the build's sink (paced at `rate` when given)
/// while a viewer reads the build's stream over HTTP; answers how many the
/// viewer got, how long until it had the last, and each line's latency in ms.
async fn run_viewer(
    app: &common::BuildApp,
    server: &common::TestServer,
    user: &common::TestUser,
    build: Uuid,
    count: usize,
    rate: Option<u64>,
) -> (usize, Duration, Vec<f64>) {
    let response = reqwest::Client::new()
        .get(format!("http://{}/api/builds/{build}/stream", server.address))
        .header("cookie", &user.cookie)
        .send()
        .await
        .expect("open the stream");
    assert_eq!(response.status(), 200);
    let origin = Instant::now();
    let viewer = tokio::spawn(async move {
        let mut body = response.bytes_stream();
        let mut buffer = String::new();
        let mut latencies = Vec::with_capacity(count);
        let mut received = 0;
        while received < count {
            let Some(Ok(chunk)) = body.next().await else { break };
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let message: String = buffer.drain(..end + 2).collect();
                let Some(data) = message.lines().find_map(|line| line.strip_prefix("data: ")) else {
                    continue;
                };
                let Ok(streamed) = serde_json::from_str::<StreamedBuildEvent>(data) else { continue };
                if let BuildEvent::Log { line, .. } = streamed.event {
                    if let Some(sent_micros) =
                        line.split(' ').next().and_then(|micros| micros.parse::<u64>().ok())
                    {
                        let now = origin.elapsed().as_micros() as u64;
                        latencies.push(now.saturating_sub(sent_micros) as f64 / 1000.0);
                    }
                    received += 1;
                }
            }
        }
        (received, origin.elapsed(), latencies)
    });
    let limits = server::builds::BuildSettings::default().event_limits();
    let (sink, writer) = spawn_writer(
        app.state.pool.clone(),
        app.state.builds.hub.clone(),
        build,
        limits,
        tokio_util::sync::CancellationToken::new(),
        app.state.builds.metrics.clone(),
    );
    let started = Instant::now();
    for number in 0..count {
        if let Some(rate) = rate {
            let due = started + Duration::from_micros(number as u64 * 1_000_000 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let stamp = origin.elapsed().as_micros();
        sink.emit(BuildEvent::Log { stream: LogStream::Stdout, line: format!("{stamp} {LINE}") }).await;
    }
    drop(sink);
    writer.await.expect("the writer");
    let (received, _, latencies) = viewer.await.expect("the viewer");
    (received, started.elapsed().max(Duration::from_millis(1)), latencies)
}

fn percentile(values: &[f64], quantile: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[index]
}
