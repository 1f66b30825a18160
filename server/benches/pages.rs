//! How fast the pages and API a signed-in person uses most are served, and
//! how many database transactions each request costs. Against the real
//! router on loopback (a private PostgreSQL), 64 connections at once for a
//! few seconds per target, prints for each: requests/s, p50 and p99
//! latency, and transactions per request (PostgreSQL's own count of commits
//! and rollbacks in the database, read once its statistics are flushed).
//! `/healthz` (no database) and the sign-in page (rendered, no database)
//! are the references. The client shares the machine's cores with the
//! server, so figures are lower bounds.
//!
//! Run with `scripts/bench`, or
//! `BENCH_DATABASE_URL=postgres://… cargo bench -p server --bench pages`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use server::config::DatabaseConfig;
use server::db::build_pool;
use tokio::task::JoinSet;

/// Connections at once; `BENCH_CONNECTIONS` overrides it.
const CONNECTIONS: usize = 64;
const RUN_FOR: Duration = Duration::from_secs(5);
/// PostgreSQL flushes a busy backend's statistics at most once a second
/// and an idle one's within ten; waiting longer makes the count complete.
const STATISTICS_FLUSH: Duration = Duration::from_secs(11);
/// The goals for the dashboard.
const GOAL_DASHBOARD_PER_SEC: f64 = 5_000.0;
const GOAL_DASHBOARD_TRANSACTIONS: f64 = 3.0;

struct Target {
    name: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
}

/// The server binary's allocator, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let migrated = common::migrated_database().await;
    // The server's default pool (DATABASE_MAX_CONNECTIONS), not the tests' small one.
    let config = DatabaseConfig { max_connections: 10, ..common::database_config(&migrated.url) };
    let database = common::TestDatabase { pool: build_pool(&config).expect("a pool"), url: migrated.url };
    let app = common::build_app(&database, common::idle_build_setup());
    let user = common::sign_up(&app.router, "pages-bench@example.com").await;
    let (_, token) = common::create_token(&app.router, &user, "bench").await;
    let mut spec_id = String::new();
    for n in 1..=20 {
        let spec =
            common::create_spec(&app.router, &user, &format!("Spec {n}"), "# An app\n\n- a feature\n").await;
        spec_id = spec["id"].as_str().expect("a spec id").to_owned();
    }
    common::create_project(&app.router, &user, "A project").await;
    let busy_build = build_that_tried_a_host(&database, &app.router, &user, &spec_id).await;
    let server = common::serve(app.router.clone()).await;

    let connections =
        std::env::var("BENCH_CONNECTIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(CONNECTIONS);
    let cookie = ("cookie", user.cookie.clone());
    let bearer = ("authorization", format!("Bearer {token}"));
    // What Chromium and Firefox send, so the answer comes back compressed.
    let browser_encodings = ("accept-encoding", "gzip, deflate, br, zstd".to_owned());
    let targets = [
        Target { name: "/healthz (reference)", path: "/healthz".into(), headers: vec![] },
        // A whole page rendered without the database: what rendering alone costs.
        Target { name: "sign-in page (reference)", path: "/sign-in".into(), headers: vec![] },
        Target { name: "dashboard", path: "/".into(), headers: vec![cookie.clone()] },
        Target {
            name: "dashboard, compressed",
            path: "/".into(),
            headers: vec![cookie.clone(), browser_encodings],
        },
        Target { name: "specs page", path: "/specs".into(), headers: vec![cookie.clone()] },
        Target { name: "a spec page", path: format!("/specs/{spec_id}"), headers: vec![cookie.clone()] },
        Target {
            name: "a build page, 100k events",
            path: format!("/builds/{busy_build}"),
            headers: vec![cookie.clone()],
        },
        Target { name: "GET /api/specs (token)", path: "/api/specs".into(), headers: vec![bearer.clone()] },
        Target { name: "GET /api/me (token)", path: "/api/me".into(), headers: vec![bearer] },
    ];
    println!("{connections} connections, {} s per target", RUN_FOR.as_secs());
    // Its first view folds every event; the load below measures the views after it.
    let first_view = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("http://{}/builds/{busy_build}", server.address))
        .header(cookie.0, &cookie.1)
        .send()
        .await
        .expect("a response");
    assert!(response.status().is_success(), "the build page answered {}", response.status());
    println!("a build page, 100k events: first view {:.0} ms", first_view.elapsed().as_secs_f64() * 1000.0);
    println!("{:<24} {:>9} {:>9} {:>9} {:>14}", "target", "req/s", "p50 ms", "p99 ms", "transactions");
    let mut statistics = Statistics::connect(&database.url).await;
    // What the server's background work (queue, clean-ups) spends meanwhile.
    let idle = statistics.spent_during(tokio::time::sleep(RUN_FOR)).await.1;
    for target in &targets {
        let base = format!("http://{}", server.address);
        let (run, spent) = statistics.spent_during(load(&base, target, connections)).await;
        let spent = spent.saturating_sub(idle);
        let per_request = spent as f64 / run.latencies.len() as f64;
        let rate = run.latencies.len() as f64 / run.elapsed.as_secs_f64();
        println!(
            "{:<24} {:>9.0} {:>9.2} {:>9.2} {:>14.1}",
            target.name,
            rate,
            percentile(&run.latencies, 0.50),
            percentile(&run.latencies, 0.99),
            per_request
        );
        if target.name == "dashboard" {
            println!(
                "  goal: ≥ {GOAL_DASHBOARD_PER_SEC:.0} req/s and ≤ {GOAL_DASHBOARD_TRANSACTIONS:.0} transactions per request"
            );
        }
    }
}

/// Events a build's commands made by trying one host over and over, which
/// its page's state is folded from.
const BUSY_BUILD_EVENTS: i64 = 100_000;

/// A build (queued: the bench runs no workers) with [`BUSY_BUILD_EVENTS`]
/// refused connections in its history.
async fn build_that_tried_a_host(
    database: &common::TestDatabase,
    router: &axum::Router,
    user: &common::TestUser,
    spec_id: &str,
) -> uuid::Uuid {
    use app::model::builds::{BuildEvent, EgressVerdict};
    let build = common::start_build(router, user, spec_id).await;
    let refused = BuildEvent::Egress {
        host: "tracker.example".into(),
        port: 443,
        verdict: EgressVerdict::Denied,
        reason: Some("not on the allow-list".into()),
    };
    let payload = serde_json::to_string(&refused).expect("an event").replace('\'', "''");
    common::run_sql(
        &database.pool,
        &format!(
            "INSERT INTO build_events (build_id, seq, kind, payload, created_at) \
             SELECT id, last_event_seq + n, 'egress', '{payload}'::jsonb, now() \
             FROM builds, generate_series(1, {BUSY_BUILD_EVENTS}) AS n WHERE id = '{id}'; \
             UPDATE builds SET last_event_seq = last_event_seq + {BUSY_BUILD_EVENTS} WHERE id = '{id}'; \
             ANALYZE build_events",
            id = build.id
        ),
    )
    .await;
    build.id
}

struct Run {
    /// Milliseconds, one per successful request.
    latencies: Vec<f64>,
    elapsed: Duration,
}

async fn load(base: &str, target: &Target, connections: usize) -> Run {
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build().expect("a client");
    let url = Arc::new(format!("{base}{}", target.path));
    let headers = Arc::new(target.headers.clone());
    let started = Instant::now();
    let deadline = started + RUN_FOR;
    let mut workers = JoinSet::new();
    for _ in 0..connections {
        let (client, url, headers) = (client.clone(), url.clone(), headers.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let mut request = client.get(url.as_str());
                for (name, value) in headers.iter() {
                    request = request.header(*name, value);
                }
                let sent = Instant::now();
                let response = request.send().await.expect("a response");
                let status = response.status();
                response.bytes().await.expect("a body");
                assert!(status.is_success(), "{url} answered {status}");
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = workers.join_next().await {
        latencies.extend(done.expect("a worker"));
    }
    Run { latencies, elapsed: started.elapsed() }
}

/// PostgreSQL's count of transactions in the bench's database, read on a
/// connection of its own (the pool's would add its checks).
struct Statistics {
    connection: diesel_async::AsyncPgConnection,
}

impl Statistics {
    async fn connect(url: &str) -> Self {
        use diesel_async::AsyncConnection;
        Self { connection: diesel_async::AsyncPgConnection::establish(url).await.expect("a connection") }
    }

    /// What `work` returns, and the transactions committed or rolled back
    /// while it ran, once PostgreSQL has flushed its counts.
    async fn spent_during<T>(&mut self, work: impl std::future::Future<Output = T>) -> (T, u64) {
        let before = self.read().await;
        let value = work.await;
        tokio::time::sleep(STATISTICS_FLUSH).await;
        // The first read's own transaction is counted; the second's is not yet.
        (value, self.read().await.saturating_sub(before + 1))
    }

    async fn read(&mut self) -> u64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let count: Count = diesel::sql_query(
            "SELECT (xact_commit + xact_rollback)::bigint AS count FROM pg_stat_database \
             WHERE datname = current_database()",
        )
        .get_result(&mut self.connection)
        .await
        .expect("the statistics");
        count.count as u64
    }
}

fn percentile(sorted_or_not: &[f64], quantile: f64) -> f64 {
    let mut values = sorted_or_not.to_vec();
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * quantile).round() as usize]
}
