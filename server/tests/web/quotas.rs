//! How much one account may keep: past a quota, creating answers 409 with
//! what to do, nothing is stored, and deleting makes room again.

use crate::common;

use common::contract::Contract;
use common::{api, app_with_auth, create_project, create_spec, create_token, sign_up, start_chat, As};
use serde_json::json;
use server::config::AuthConfig;
use server::quotas::Quotas;

fn two_of_everything() -> AuthConfig {
    let quotas = Quotas {
        specs: 2,
        versions_per_spec: 2,
        spec_bytes: Quotas::default().spec_bytes,
        chats: 2,
        projects: 2,
        api_tokens: 2,
        webhooks: 2,
    };
    AuthConfig { quotas, ..common::test_auth_config() }
}

/// A refusal for a full account, as the API document describes it.
async fn assert_full(app: &axum::Router, operation: &str, response: &common::TestResponse, noun: &str) {
    assert_eq!(response.status, 409, "{}", response.body);
    Contract::served_by(app).await.assert_honoured("post", operation, response);
    let message = response.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains(&format!("You have 2 {noun}, the most one account may keep")), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn specs_are_refused_past_the_quota_until_one_is_deleted_and_others_are_not_affected() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), two_of_everything());
    let ada = sign_up(&app, "ada@example.com").await;
    let first = create_spec(&app, &ada, "One", "# One").await;
    create_spec(&app, &ada, "Two", "# Two").await;

    let spec_path = format!("/api/specs/{}", first["id"].as_str().unwrap());
    let body = json!({ "name": "Three", "content": "# 3" });
    let third = api(&app, "POST", "/api/specs", As::User(&ada), Some(body)).await;
    assert_full(&app, "/api/specs", &third, "specs").await;
    let copy = api(&app, "POST", &format!("{spec_path}/duplicate"), As::User(&ada), None).await;
    assert_full(&app, "/api/specs/{id}/duplicate", &copy, "specs").await;
    let listed = api(&app, "GET", "/api/specs", As::User(&ada), None).await.json();
    assert_eq!(listed["total"], 2, "nothing was stored: {listed}");

    let bob = sign_up(&app, "bob@example.com").await;
    create_spec(&app, &bob, "Mine", "# Mine").await;

    assert_eq!(api(&app, "DELETE", &spec_path, As::User(&ada), None).await.status, 204);
    create_spec(&app, &ada, "Three", "# Three").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_keeps_its_quota_of_versions_and_says_to_duplicate_it() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), two_of_everything());
    let ada = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &ada, "One", "# One").await;
    let path = format!("/api/specs/{}", spec["id"].as_str().unwrap());

    let second = api(&app, "PATCH", &path, As::User(&ada), Some(json!({ "content": "# One, again" }))).await;
    assert_eq!((second.status, second.json()["version"].as_i64()), (200, Some(2)), "{}", second.body);
    let third =
        api(&app, "PATCH", &path, As::User(&ada), Some(json!({ "content": "# One, a third time" }))).await;
    assert_eq!(third.status, 409, "{}", third.body);
    assert!(third.body.contains("Duplicate it to go on with a fresh history"), "{}", third.body);
    // Saving the text it already has is no new version, so it is still allowed.
    let unchanged =
        api(&app, "PATCH", &path, As::User(&ada), Some(json!({ "content": "# One, again" }))).await;
    assert_eq!(unchanged.status, 200, "{}", unchanged.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_all_versions_of_an_accounts_specs_take_is_bounded_and_deleting_a_spec_frees_its_share() {
    let database = common::migrated_database().await;
    let roomy = common::test_auth_config();
    let quotas = Quotas { spec_bytes: 1_000, ..roomy.quotas };
    let app = app_with_auth(database.pool.clone(), AuthConfig { quotas, ..roomy });
    let ada = sign_up(&app, "ada@example.com").await;
    // A one-letter name and 399 bytes of text: 400 bytes a version.
    let text = |letter: &str| format!("#{}", letter.repeat(398));
    let spec = create_spec(&app, &ada, "A", &text("a")).await;
    let path = format!("/api/specs/{}", spec["id"].as_str().unwrap());
    let second = api(&app, "PATCH", &path, As::User(&ada), Some(json!({ "content": text("b") }))).await;
    assert_eq!(second.status, 200, "{}", second.body);

    // 800 bytes kept: a third version does not fit, nor a new spec, nor a copy.
    let third = api(&app, "PATCH", &path, As::User(&ada), Some(json!({ "content": text("c") }))).await;
    assert_eq!(third.status, 409, "{}", third.body);
    Contract::served_by(&app).await.assert_honoured("patch", "/api/specs/{id}", &third);
    let message = third.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("Your specs and their versions take 800 B of the 1000 B one account may keep, and this needs 400 B more"),
        "{message}"
    );
    let another = json!({ "name": "B", "content": text("d") });
    let refused = [
        api(&app, "POST", "/api/specs", As::User(&ada), Some(another.clone())).await,
        api(&app, "POST", &format!("{path}/duplicate"), As::User(&ada), None).await,
        api(&app, "POST", &format!("{path}/versions/1/restore"), As::User(&ada), None).await,
    ];
    for response in refused {
        assert_eq!(response.status, 409, "{}", response.body);
        assert!(response.body.contains("take 800 B of the 1000 B"), "{}", response.body);
    }
    let kept = api(&app, "GET", &path, As::User(&ada), None).await.json();
    assert_eq!((kept["version"].as_i64(), kept["content"].as_str()), (Some(2), Some(text("b").as_str())));
    let listed = api(&app, "GET", "/api/specs", As::User(&ada), None).await.json();
    assert_eq!(listed["total"], 1, "nothing else was stored: {listed}");

    // Another account has its own room, and a version any writer keeps
    // (here one written by hand, as a server older than the count would)
    // counts in it.
    let bob = sign_up(&app, "bob@example.com").await;
    let bobs = create_spec(&app, &bob, "Bob's", &"#".repeat(490)).await;
    common::run_sql(
        &database.pool,
        &format!(
            "INSERT INTO app_spec_versions (spec_id, version, name, content) VALUES ('{}', 99, 'B', '{}')",
            bobs["id"].as_str().unwrap(),
            "#".repeat(399)
        ),
    )
    .await;
    let bobs_path = format!("/api/specs/{}", bobs["id"].as_str().unwrap());
    let change = json!({ "content": format!("#{}", "b".repeat(199)) });
    let over = api(&app, "PATCH", &bobs_path, As::User(&bob), Some(change)).await;
    assert_eq!(over.status, 409, "{}", over.body);
    assert!(
        over.body.contains("take 895 B of the 1000 B one account may keep, and this needs 205 B more"),
        "{}",
        over.body
    );

    assert_eq!(api(&app, "DELETE", &path, As::User(&ada), None).await.status, 204);
    let response = api(&app, "POST", "/api/specs", As::User(&ada), Some(another)).await;
    assert_eq!(response.status, 201, "{}", response.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn chats_projects_api_tokens_and_webhooks_have_quotas_too() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), two_of_everything());
    let ada = sign_up(&app, "ada@example.com").await;
    for n in 0..2 {
        start_chat(&app, &ada, &format!("Idea {n}")).await;
        create_project(&app, &ada, &format!("Project {n}")).await;
        create_token(&app, &ada, &format!("Token {n}")).await;
        let hook = api(&app, "POST", "/api/webhooks", As::User(&ada), Some(hook_body(n))).await;
        assert_eq!(hook.status, 201, "{}", hook.body);
    }
    let chat = api(&app, "POST", "/api/chats", As::User(&ada), Some(json!({ "message": "Idea 2" }))).await;
    assert_full(&app, "/api/chats", &chat, "chats").await;
    let project = api(
        &app,
        "POST",
        "/api/projects",
        As::User(&ada),
        Some(json!({ "name": "Project 2", "description": "" })),
    )
    .await;
    assert_full(&app, "/api/projects", &project, "projects").await;
    let token = api(&app, "POST", "/api/tokens", As::User(&ada), Some(json!({ "name": "Token 2" }))).await;
    assert_full(&app, "/api/tokens", &token, "API tokens").await;
    let hook = api(&app, "POST", "/api/webhooks", As::User(&ada), Some(hook_body(2))).await;
    assert_full(&app, "/api/webhooks", &hook, "webhooks").await;
}

fn spec_body(n: usize) -> serde_json::Value {
    json!({ "name": format!("Spec {n}"), "content": "# Spec" })
}

fn hook_body(n: usize) -> serde_json::Value {
    json!({ "url": format!("https://example.com/hook/{n}"), "events": ["build.failed"] })
}

#[tokio::test(flavor = "multi_thread")]
async fn creations_at_once_cannot_overshoot_a_quota_together() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), two_of_everything());
    let ada = sign_up(&app, "ada@example.com").await;
    for (path, body) in
        [("/api/specs", spec_body as fn(usize) -> serde_json::Value), ("/api/webhooks", hook_body)]
    {
        let creations = (0..6).map(|n| {
            let (app, ada, body) = (app.clone(), ada.clone(), body(n));
            tokio::spawn(async move { api(&app, "POST", path, As::User(&ada), Some(body)).await.status })
        });
        let mut statuses = Vec::new();
        for creation in creations {
            statuses.push(creation.await.unwrap());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 201, 409, 409, 409, 409], "{path}");
    }
}
