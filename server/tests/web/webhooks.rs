//! Webhooks against real receivers on 127.0.0.1: registering, listing and
//! deleting (the owner's only), the secret shown once, a test delivery whose
//! Standard Webhooks signature verifies, a receiver that is down until after
//! a restart still getting its delivery, and private addresses refused by
//! default.

use crate::common;

use std::time::Duration;

use app::model::webhooks::{CreatedWebhook, DeliveryState, WebhookDelivery, WebhookSummary};
use common::webhook_receiver::WebhookReceiver;
use common::{
    api, body_as, build_app, call_server_fn_as, idle_build_setup, migrated_database, sign_up, As, BuildApp,
    TestUser,
};
use serde_json::json;
use server::http::{router, AppState};
use server::webhooks::{WebhookEngine, WebhookSettings};
use standardwebhooks::Webhook;
use uuid::Uuid;

const ARRIVAL_LIMIT: Duration = Duration::from_secs(20);

async fn register(app: &BuildApp, user: &TestUser, url: &str, events: &[&str]) -> CreatedWebhook {
    let body = json!({ "url": url, "description": "Team chat", "events": events });
    let response = api(&app.router, "POST", "/api/webhooks", As::User(user), Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    body_as(&response)
}

async fn send_test(app: &BuildApp, user: &TestUser, hook: Uuid) -> Uuid {
    let response =
        api(&app.router, "POST", &format!("/api/webhooks/{hook}/test"), As::User(user), None).await;
    assert_eq!(response.status, 202, "{}", response.body);
    response.json()["delivery_id"].as_str().unwrap().parse().unwrap()
}

async fn deliveries(app: &BuildApp, user: &TestUser, hook: Uuid) -> Vec<WebhookDelivery> {
    let response =
        api(&app.router, "GET", &format!("/api/webhooks/{hook}/deliveries"), As::User(user), None).await;
    assert_eq!(response.status, 200, "{}", response.body);
    body_as(&response)
}

/// Reads the hook's deliveries until `is_done` holds for the first (newest).
async fn wait_for_delivery(
    app: &BuildApp,
    user: &TestUser,
    hook: Uuid,
    is_done: impl Fn(&WebhookDelivery) -> bool,
) -> WebhookDelivery {
    let started = std::time::Instant::now();
    loop {
        if let Some(delivery) = deliveries(app, user, hook).await.into_iter().next() {
            if is_done(&delivery) {
                return delivery;
            }
            assert!(started.elapsed() < ARRIVAL_LIMIT, "the delivery stayed {delivery:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_are_listed_without_secrets_and_only_their_owner_can_reach_them() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let owner = sign_up(&app.router, "hooks@example.com").await;
    let stranger = sign_up(&app.router, "stranger@example.com").await;

    let created =
        register(&app, &owner, " https://hooks.example.com/agents ", &["build.failed", "build.completed"])
            .await;
    assert!(created.secret.starts_with("whsec_"), "{}", created.secret);
    assert_eq!(created.webhook.url, "https://hooks.example.com/agents");
    assert_eq!(
        created.webhook.events.iter().map(|event| event.as_str()).collect::<Vec<_>>(),
        ["build.completed", "build.failed"]
    );

    let listed = api(&app.router, "GET", "/api/webhooks", As::User(&owner), None).await;
    assert!(!listed.body.contains(&created.secret), "the list never shows the secret");
    let listed: Vec<WebhookSummary> = body_as(&listed);
    assert_eq!(listed, vec![created.webhook.clone()]);

    let id = created.webhook.id;
    let theirs = api(&app.router, "GET", "/api/webhooks", As::User(&stranger), None).await;
    assert_eq!(theirs.json(), json!([]));
    for (method, path) in [
        ("GET", format!("/api/webhooks/{id}/deliveries")),
        ("POST", format!("/api/webhooks/{id}/test")),
        ("DELETE", format!("/api/webhooks/{id}")),
        ("DELETE", "/api/webhooks/not-an-id".to_owned()),
    ] {
        let response = api(&app.router, method, &path, As::User(&stranger), None).await;
        assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
        assert_eq!(response.json()["error"]["message"], "There is no such webhook.");
    }

    let deleted = api(&app.router, "DELETE", &format!("/api/webhooks/{id}"), As::User(&owner), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let listed = api(&app.router, "GET", "/api/webhooks", As::User(&owner), None).await;
    assert_eq!(listed.json(), json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hook_needs_a_web_url_and_an_event_and_an_account_has_at_most_ten() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "rules@example.com").await;
    for (body, message) in [
        (json!({ "url": "https://example.com/x", "events": [] }), "Choose at least one event"),
        (json!({ "url": "ftp://example.com/x", "events": ["build.failed"] }), "starts with https://"),
        (json!({ "url": "https://u:p@example.com/x", "events": ["build.failed"] }), "credentials"),
        (json!({ "url": "https://example.com/x", "events": ["webhook.test"] }), "Send test"),
    ] {
        let response = api(&app.router, "POST", "/api/webhooks", As::User(&user), Some(body.clone())).await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        let said = response.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(said.contains(message), "{body}: {said}");
    }
    let unknown = json!({ "url": "https://example.com/x", "events": ["build.exploded"] });
    let response = api(&app.router, "POST", "/api/webhooks", As::User(&user), Some(unknown)).await;
    assert_eq!(response.status, 422, "{}", response.body);

    for n in 0..10 {
        register(&app, &user, &format!("https://example.com/{n}"), &["build.failed"]).await;
    }
    let eleventh = json!({ "url": "https://example.com/11", "events": ["build.failed"] });
    let response = api(&app.router, "POST", "/api/webhooks", As::User(&user), Some(eleventh)).await;
    assert_eq!(response.status, 409, "{}", response.body);
    assert!(response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("You have 10 webhooks, the most one account may keep"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_settings_form_registers_the_ticked_events() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "form@example.com").await;
    // As the form posts it: unticked boxes are simply absent.
    let form = [
        ("url", "https://hooks.example.com/form"),
        ("description", ""),
        ("events[0]", "build.completed"),
        ("events[3]", "build.needs_attention"),
    ];
    let response = call_server_fn_as(&app.router, "/fn/create_webhook", As::User(&user), &form).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let created: CreatedWebhook = body_as(&response);
    let events: Vec<&str> = created.webhook.events.iter().map(|event| event.as_str()).collect();
    assert_eq!(events, ["build.completed", "build.needs_attention"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_delivery_is_signed_so_the_receiver_can_verify_it() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "signed@example.com").await;
    let receiver = WebhookReceiver::on_free_port(0).await;
    let created = register(&app, &user, &receiver.url, &["build.completed"]).await;

    let delivery_id = send_test(&app, &user, created.webhook.id).await;
    let [request] = &receiver.wait_for(1, ARRIVAL_LIMIT).await[..] else { panic!("more than one request") };

    // Checked with the Standard Webhooks library, as a receiver would.
    let verifier = Webhook::new(&created.secret).unwrap();
    verifier.verify(&request.body, &request.headers).expect("the signature verifies");
    let mut tampered = request.body.to_vec();
    tampered.extend_from_slice(b" ");
    assert!(verifier.verify(&tampered, &request.headers).is_err(), "a changed body does not verify");
    let other = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert!(other.verify(&request.body, &request.headers).is_err(), "another secret does not verify");

    assert_eq!(request.headers["webhook-id"], delivery_id.to_string().as_str());
    assert_eq!(request.headers["content-type"], "application/json");
    let message = request.json();
    assert_eq!(message["id"], delivery_id.to_string());
    assert_eq!(message["type"], "webhook.test");
    assert_eq!(message["data"]["spec_name"], "Example spec");

    let delivery = wait_for_delivery(&app, &user, created.webhook.id, |delivery| {
        delivery.state != DeliveryState::Pending
    })
    .await;
    assert_eq!(delivery.state, DeliveryState::Delivered, "{delivery:#?}");
    assert_eq!((delivery.attempts, delivery.response_status), (1, Some(204)));
    assert!(delivery.delivered_at.is_some() && delivery.last_error.is_none(), "{delivery:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_waits_out_a_receiver_that_is_down_across_a_restart() {
    let database = migrated_database().await;
    // Reserve a port, then free it: the receiver is down until it listens there.
    let port = common::processes::free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (user, hook, delivery_id) = {
        let app = build_app(&database, idle_build_setup());
        let user = sign_up(&app.router, "patient@example.com").await;
        let created = register(&app, &user, &url, &["build.failed"]).await;
        let delivery_id = send_test(&app, &user, created.webhook.id).await;
        let failed_twice =
            wait_for_delivery(&app, &user, created.webhook.id, |delivery| delivery.attempts >= 2).await;
        assert_eq!(failed_twice.state, DeliveryState::Pending, "still trying: {failed_twice:#?}");
        assert_eq!(failed_twice.response_status, None);
        let error = failed_twice.last_error.clone().unwrap_or_default();
        assert!(error.starts_with("Could not reach the receiver"), "{error}");
        assert!(failed_twice.next_attempt_at.is_some(), "{failed_twice:#?}");
        // Another test waits for this one: they cannot pile up ahead of every hook's deliveries.
        let again = api(
            &app.router,
            "POST",
            &format!("/api/webhooks/{}/test", created.webhook.id),
            As::User(&user),
            None,
        )
        .await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(again.body.contains("still on its way"), "{}", again.body);
        // The server stops; the delivery waits in the outbox.
        app.state.webhooks.shut_down().await;
        (user, created.webhook.id, delivery_id)
    };

    // The receiver comes back, first answering 503 once, and the server restarts.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("the port is free again");
    let receiver = WebhookReceiver::start(listener, 1).await;
    let app = build_app(&database, idle_build_setup());
    let received = receiver.wait_for(2, ARRIVAL_LIMIT).await;
    let ids: Vec<&str> =
        received.iter().map(|request| request.headers["webhook-id"].to_str().unwrap()).collect();
    assert_eq!(ids, [delivery_id.to_string(), delivery_id.to_string()], "the same message, retried");
    let delivery =
        wait_for_delivery(&app, &user, hook, |delivery| delivery.state != DeliveryState::Pending).await;
    assert_eq!(delivery.state, DeliveryState::Delivered, "{delivery:#?}");
    assert!(delivery.attempts >= 4, "two refused connections, a 503, then 204: {delivery:#?}");
    assert_eq!(delivery.response_status, Some(204));
}

#[tokio::test(flavor = "multi_thread")]
async fn private_addresses_are_refused_unless_the_operator_allows_them() {
    let database = migrated_database().await;
    let settings = WebhookSettings { allow_private_networks: false, ..common::test_webhook_settings() };
    let auth = common::test_auth_config();
    let webhooks = WebhookEngine::new(database.pool.clone(), settings, auth.quotas).unwrap();
    let state = AppState::new(
        common::test_leptos_options(),
        database.pool.clone(),
        auth,
        common::offline_assistant(),
        idle_build_setup(),
        webhooks,
    );
    let app = router(state);
    let user = sign_up(&app, "careful@example.com").await;
    for url in ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data"]
    {
        let body = json!({ "url": url, "events": ["build.failed"] });
        let response = api(&app, "POST", "/api/webhooks", As::User(&user), Some(body)).await;
        assert_eq!(response.status, 422, "{url}: {}", response.body);
        let message = response.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains("WEBHOOK_ALLOW_PRIVATE_NETWORKS"), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn test_sends_clicked_at_once_leave_one_waiting() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "eager@example.com").await;
    // Nobody listens there: the first test send waits in the outbox.
    let url = format!("http://127.0.0.1:{}/hook", common::processes::free_port());
    let created = register(&app, &user, &url, &["build.failed"]).await;
    let path = format!("/api/webhooks/{}/test", created.webhook.id);
    let sends = (0..8).map(|_| {
        let (router, user, path) = (app.router.clone(), user.clone(), path.clone());
        tokio::spawn(async move { api(&router, "POST", &path, As::User(&user), None).await.status })
    });
    let mut statuses = Vec::new();
    for send in sends {
        statuses.push(send.await.expect("a send"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(deliveries(&app, &user, created.webhook.id).await.len(), 1);
    app.state.webhooks.shut_down().await;
}
