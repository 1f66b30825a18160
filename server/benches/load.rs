//! Sustained load on what signed-in people use most: 100 clients at once
//! for 60 s each on the dashboard, the specs page and the REST API
//! (`BENCH_CONNECTIONS` and `BENCH_SECONDS` change them). The server is this
//! process (the real router on loopback, a private PostgreSQL); the clients
//! run in a child process (this binary again), so the memory figures are
//! the server's alone. Prints, per target: requests/s, p50/p99/max latency,
//! errors (any answer but 2xx, or none), and the server's memory before and
//! at its peak. Fails when any request failed.
//!
//! Run with `scripts/bench`, or
//! `BENCH_DATABASE_URL=postgres://… cargo bench -p server --bench load`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "shared/memory.rs"]
mod memory;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::task::JoinSet;

const CONNECTIONS: usize = 100;
const RUN_FOR: Duration = Duration::from_secs(60);
/// Set in the child that plays the clients.
const CLIENTS_ROLE: &str = "BENCH_CLIENTS_ROLE";

/// The server binary's allocator, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let connections = env_number("BENCH_CONNECTIONS").unwrap_or(CONNECTIONS);
    let run_for = env_number("BENCH_SECONDS").map_or(RUN_FOR, |secs| Duration::from_secs(secs as u64));
    if std::env::var_os(CLIENTS_ROLE).is_some() {
        return load_as_clients(connections, run_for).await;
    }
    let migrated = common::migrated_database().await;
    // The server's default pool (DATABASE_MAX_CONNECTIONS).
    let config =
        server::config::DatabaseConfig { max_connections: 10, ..common::database_config(&migrated.url) };
    let database =
        common::TestDatabase { pool: server::db::build_pool(&config).expect("a pool"), url: migrated.url };
    let app = common::build_app(&database, common::idle_build_setup());
    let user = common::sign_up(&app.router, "load@example.com").await;
    let (_, token) = common::create_token(&app.router, &user, "load").await;
    for n in 1..=20 {
        common::create_spec(&app.router, &user, &format!("Spec {n}"), "# An app\n\n- a feature\n").await;
    }
    common::create_project(&app.router, &user, "A project").await;
    let server = common::serve(app.router.clone()).await;
    let base = format!("http://{}", server.address);

    let targets = [
        ("dashboard", "/", ("cookie", user.cookie.clone())),
        ("specs page", "/specs", ("cookie", user.cookie.clone())),
        ("GET /api/specs (token)", "/api/specs", ("authorization", format!("Bearer {token}"))),
    ];
    println!("{connections} clients at once, {} s per target; memory is the server's", run_for.as_secs());
    println!(
        "{:<24} {:>8} {:>8} {:>8} {:>8} {:>7} {:>11} {:>11}",
        "target", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "MiB before", "MiB peak"
    );
    let mut failed = false;
    for (name, path, (header, value)) in targets {
        let watch = memory::MemoryWatch::start();
        let mut child = tokio::process::Command::new(std::env::current_exe().expect("this binary"))
            .env(CLIENTS_ROLE, "1")
            .env("BENCH_URL", format!("{base}{path}"))
            .env("BENCH_HEADER", header)
            .env("BENCH_HEADER_VALUE", &value)
            .env("BENCH_CONNECTIONS", connections.to_string())
            .env("BENCH_SECONDS", run_for.as_secs().to_string())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the clients");
        let mut stdout = child.stdout.take().expect("the clients' output");
        let mut report = String::new();
        stdout.read_to_string(&mut report).await.expect("the clients' report");
        let memory = watch.finish();
        let status = child.wait().await.expect("the clients end");
        assert!(status.success(), "the clients failed: {report}");
        let figures: Vec<f64> = report.split_whitespace().filter_map(|figure| figure.parse().ok()).collect();
        let [rate, p50, p99, max, errors] = figures[..] else { panic!("an unreadable report: {report}") };
        failed |= errors > 0.0;
        println!(
            "{name:<24} {rate:>8.0} {p50:>8.2} {p99:>8.2} {max:>8.2} {errors:>7.0} {:>11.1} {:>11.1}",
            memory.baseline_mb(),
            memory.peak_mb()
        );
    }
    assert!(!failed, "some requests failed");
}

/// The child: `BENCH_CONNECTIONS` clients request `BENCH_URL` one after the
/// other for `BENCH_SECONDS`, then print `req/s p50 p99 max errors`.
async fn load_as_clients(connections: usize, run_for: Duration) {
    let url = Arc::new(std::env::var("BENCH_URL").expect("BENCH_URL"));
    let header = Arc::new((
        std::env::var("BENCH_HEADER").expect("BENCH_HEADER"),
        std::env::var("BENCH_HEADER_VALUE").expect("BENCH_HEADER_VALUE"),
    ));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let started = Instant::now();
    let deadline = started + run_for;
    let mut clients = JoinSet::new();
    for _ in 0..connections {
        let (client, url, header) = (client.clone(), url.clone(), header.clone());
        clients.spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let sent = Instant::now();
                let answered =
                    client.get(url.as_str()).header(header.0.as_str(), header.1.as_str()).send().await;
                let is_ok = match answered {
                    Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if is_ok {
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        });
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    while let Some(done) = clients.join_next().await {
        let (more, failed) = done.expect("a client");
        latencies.extend(more);
        errors += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |quantile: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * quantile).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!("{} {} {} {} {errors}", latencies.len() as f64 / elapsed, at(0.5), at(0.99), at(1.0));
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|value| value.parse().ok())
}
