//! What a finished build leaves in `/metrics`: its event commits (time and
//! group sizes), the model tokens its agent used, and the commands it ran in
//! its sandbox by outcome.

use crate::common;

use std::time::Duration;

use app::model::builds::BuildStatus;
use axum::body::Body;
use axum::http::Request;
use server::config::AuthConfig;

const TOKEN: &str = "metrics-token-for-the-tests";

/// The value of the series named exactly `name` (labels included).
fn value(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{name}` in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_builds_event_commits_tokens_and_sandbox_commands_are_counted() {
    let database = common::migrated_database().await;
    let auth = AuthConfig { metrics_token: Some(TOKEN.into()), ..common::test_auth_config() };
    let app = common::build_app_with_auth(&database, common::build_setup(1), auth);
    let user = common::sign_up(&app.router, "counted@example.com").await;
    let spec = common::create_spec(&app.router, &user, "Todo", "# Todo\n\n## Features\n- Add a todo\n").await;
    let build = common::start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let done = common::wait_for_build(&app.router, &user, build.id, Duration::from_secs(120), |build| {
        build.status.is_final()
    })
    .await;
    assert_eq!(done.status, BuildStatus::Completed);

    let request =
        Request::get("/metrics").header("authorization", format!("Bearer {TOKEN}")).body(Body::empty());
    let scraped = common::send(&app.router, request.unwrap()).await;
    assert_eq!(scraped.status, 200);
    let text = scraped.body;
    let stored = common::stored_events(&database.pool, build.id).await.len() as f64;
    // Every event the runner wrote went through a counted commit (the
    // service writes the queued and cancelled ones itself).
    let written = value(&text, "agents_platform_build_event_group_size_sum");
    assert!(written > 0.0 && written <= stored, "{written} of {stored} events");
    let commits = value(&text, "agents_platform_build_event_commit_seconds_count");
    assert_eq!(commits, value(&text, "agents_platform_build_event_group_size_count"));
    assert!(commits >= 1.0 && commits <= written, "{commits} commits for {written} events");
    assert_eq!(
        value(&text, r#"agents_platform_model_tokens_total{kind="input"}"#) as i64,
        done.input_tokens,
        "the tokens the build page shows"
    );
    assert_eq!(
        value(&text, r#"agents_platform_model_tokens_total{kind="output"}"#) as i64,
        done.output_tokens
    );
    assert!(value(&text, r#"agents_platform_sandbox_commands_total{outcome="succeeded"}"#) >= 1.0, "{text}");
}
