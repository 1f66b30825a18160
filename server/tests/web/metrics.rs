//! `GET /metrics`: off without a token, closed to anyone without it, and
//! counting what happened under route templates and standard methods,
//! never raw paths or made-up methods.

use crate::common;

use axum::body::Body;
use axum::http::Request;
use common::{app_with_auth, create_spec, get, get_as, send, sign_up, start_build, As, TestResponse};
use server::config::AuthConfig;

const TOKEN: &str = "metrics-token-for-the-tests";

async fn scrape(app: &axum::Router, token: &str) -> TestResponse {
    let request =
        Request::get("/metrics").header("authorization", format!("Bearer {token}")).body(Body::empty());
    send(app, request.unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_off_without_a_token_and_closed_to_anyone_without_it() {
    let (app, _database) = common::test_app().await;
    assert_eq!(get(&app, "/metrics").await.status, 404);

    let database = common::migrated_database().await;
    let auth = AuthConfig { metrics_token: Some(TOKEN.into()), ..common::test_auth_config() };
    let app = app_with_auth(database.pool.clone(), auth);
    assert_eq!(get(&app, "/metrics").await.status, 401);
    assert_eq!(scrape(&app, "metrics-token-for-the-test").await.status, 401);
    assert_eq!(scrape(&app, TOKEN).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_builds_and_streams_are_reported_under_route_templates() {
    let database = common::migrated_database().await;
    let auth = AuthConfig { metrics_token: Some(TOKEN.into()), ..common::test_auth_config() };
    let app = app_with_auth(database.pool.clone(), auth);
    let ada = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &ada, "Todo", "# Todo\n\n- Add a todo\n").await;
    let build = start_build(&app, &ada, spec["id"].as_str().unwrap()).await;
    assert_eq!(get_as(&app, &format!("/api/builds/{}", build.id), As::User(&ada)).await.status, 200);
    assert_eq!(get(&app, "/no/such/page").await.status, 404);
    // A made-up method is any token a client chooses: one label for them all.
    for method in ["QQ1", "QQ2"] {
        send(&app, Request::builder().method(method).uri("/api/specs").body(Body::empty()).unwrap()).await;
    }

    let scraped = scrape(&app, TOKEN).await;
    assert_eq!(scraped.status, 200, "{}", scraped.body);
    let text = scraped.body;
    for line in [
        r#"agents_platform_http_requests_total{route="/api/builds/{id}",method="GET",status="200"} 1"#,
        r#"agents_platform_http_requests_total{route="/api/builds",method="POST",status="201"} 1"#,
        r#"agents_platform_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
        r#"agents_platform_builds{status="queued"} 1"#,
        "agents_platform_live_streams 0",
        "agents_platform_webhook_deliveries_pending 0",
    ] {
        assert!(text.lines().any(|found| found == line), "missing `{line}` in:\n{text}");
    }
    assert!(text.contains("agents_platform_http_request_duration_seconds_bucket{"), "{text}");
    assert!(!text.contains(&build.id.to_string()), "no raw path is a label");
    assert!(
        text.contains(r#"method="OTHER""#) && !text.contains("QQ1"),
        "no made-up method is a label:\n{text}"
    );
}
