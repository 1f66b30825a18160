//! Webhooks raised by real builds (the offline agent in real sandboxes): a
//! completed build tells the hooks listening for completions, and only
//! them; a build past 80 % of its token budget warns, then pauses.

use crate::common;

use std::time::Duration;

use app::model::builds::BuildStatus;
use app::model::webhooks::CreatedWebhook;
use common::webhook_receiver::WebhookReceiver;
use common::{
    api, body_as, build_app, build_setup, build_setup_with, create_spec, local_sandbox_engine,
    migrated_database, sign_up, start_build, test_build_settings, wait_for_build, As, BuildApp, TestUser,
};
use offline_agent::OfflineAgent;
use serde_json::json;
use standardwebhooks::Webhook;

const SPEC: &str = "# Todo list\n\n## Features\n- Add a todo with a title\n- Mark a todo as done\n";
const BUILD_LIMIT: Duration = Duration::from_secs(180);

async fn register(app: &BuildApp, user: &TestUser, url: &str, events: &[&str]) -> CreatedWebhook {
    let body = json!({ "url": url, "events": events });
    let response = api(&app.router, "POST", "/api/webhooks", As::User(user), Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    body_as(&response)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completed_build_tells_the_hooks_listening_for_completions_and_only_them() {
    let database = migrated_database().await;
    let app = build_app(&database, build_setup(1));
    let user = sign_up(&app.router, "hooked-builder@example.com").await;
    let completions = WebhookReceiver::on_free_port(0).await;
    let failures = WebhookReceiver::on_free_port(0).await;
    let completed_hook = register(&app, &user, &completions.url, &["build.completed", "build.paused"]).await;
    let failed_hook = register(&app, &user, &failures.url, &["build.failed"]).await;

    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let queued = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let build =
        wait_for_build(&app.router, &user, queued.id, BUILD_LIMIT, |build| build.status.is_final()).await;
    assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");

    let [request] = &completions.wait_for(1, Duration::from_secs(20)).await[..] else {
        panic!("one message per event")
    };
    Webhook::new(&completed_hook.secret).unwrap().verify(&request.body, &request.headers).expect("signed");
    let message = request.json();
    assert_eq!(message["type"], "build.completed");
    let data = &message["data"];
    assert_eq!(data["build_id"], build.id.to_string());
    assert_eq!(data["spec_name"], "Todo");
    assert_eq!(data["status"], "completed");
    assert_eq!(data["features_passing"], build.features_total);
    assert_eq!(data["features_total"], build.features_total);
    assert_eq!(data["tokens"], build.input_tokens + build.output_tokens);
    assert_eq!(data["path"], format!("/builds/{}", build.id));

    // Nothing more arrives, and the failures hook had nothing to send.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(completions.received().len(), 1);
    assert!(failures.received().is_empty());
    let path = format!("/api/webhooks/{}/deliveries", failed_hook.webhook.id);
    let listed = api(&app.router, "GET", &path, As::User(&user), None).await;
    assert_eq!(listed.json(), json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_past_most_of_its_budget_warns_then_pauses() {
    let database = migrated_database().await;
    // The initializer alone spends more than this.
    let settings = server::builds::BuildSettings { token_budget: 50, ..test_build_settings(1) };
    let setup = build_setup_with(
        settings,
        std::sync::Arc::new(local_sandbox_engine()),
        std::sync::Arc::new(OfflineAgent::new(Duration::ZERO)),
    );
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, "frugal@example.com").await;
    let receiver = WebhookReceiver::on_free_port(0).await;
    register(&app, &user, &receiver.url, &["build.budget_warning", "build.paused"]).await;

    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let queued = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let build = wait_for_build(&app.router, &user, queued.id, BUILD_LIMIT, |build| {
        build.status == BuildStatus::Paused
    })
    .await;

    let received = receiver.wait_for(2, Duration::from_secs(20)).await;
    // Sent side by side, they may arrive in either order; their timestamps tell.
    let mut messages: Vec<serde_json::Value> = received.iter().map(|request| request.json()).collect();
    messages.sort_by_key(|message| message["timestamp"].as_str().unwrap().to_owned());
    let types: Vec<&str> = messages.iter().map(|message| message["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["build.budget_warning", "build.paused"], "{messages:#?}");
    let warning = messages[0]["data"]["message"].as_str().unwrap();
    assert!(warning.contains("of its 50 tokens"), "{warning}");
    assert_eq!(messages[1]["data"]["status"], "paused");
    let reason = messages[1]["data"]["message"].as_str().unwrap();
    assert!(reason.contains("budget"), "{reason}");
    assert_eq!(build.status, BuildStatus::Paused);
}
