//! Caps on open live streams: a person's build views past their cap, and
//! anyone's past the server's, are refused with 429 until one closes. And
//! a stream ends once the credential that opened it signs nobody in.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{
    api, build_app, build_app_with_auth, call_server_fn_as, create_spec, create_token, idle_build_setup,
    migrated_database, sign_up, start_build, As, TestUser,
};
use futures_util::StreamExt;
use server::auth::credential::RECHECK_EVERY;
use server::config::StreamLimits;
use uuid::Uuid;

const SPEC: &str = "# Todo\n\n## Features\n- Add a todo\n";

/// Opens the build's event stream and leaves it open (the answer's body
/// is not read); the caller holds the answer for as long as it watches.
async fn open_stream(address: SocketAddr, user: &TestUser, build: Uuid) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("http://{address}/api/builds/{build}/stream"))
        .header("cookie", &user.cookie)
        .send()
        .await
        .expect("the server answers")
}

/// Two people with a build each, queued with no worker to run it: its
/// stream stays open.
async fn ada_and_bob_with_a_queued_build(router: &axum::Router) -> ((TestUser, Uuid), (TestUser, Uuid)) {
    let mut people = Vec::new();
    for email in ["ada@example.com", "bob@example.com"] {
        let person = sign_up(router, email).await;
        let spec = create_spec(router, &person, "Todo", SPEC).await;
        let build = start_build(router, &person, spec["id"].as_str().unwrap()).await.id;
        people.push((person, build));
    }
    let bob = people.pop().unwrap();
    let ada = people.pop().unwrap();
    (ada, bob)
}

#[tokio::test(flavor = "multi_thread")]
async fn live_views_past_a_persons_cap_or_the_servers_are_refused_until_one_closes() {
    let database = migrated_database().await;
    let auth = server::config::AuthConfig {
        streams: StreamLimits { per_user: 2, total: 3 },
        ..common::test_auth_config()
    };
    let app = build_app_with_auth(&database, idle_build_setup(), auth);
    let server = common::serve(app.router.clone()).await;
    let ((ada, adas_build), (bob, bobs_build)) = ada_and_bob_with_a_queued_build(&app.router).await;

    let first = open_stream(server.address, &ada, adas_build).await;
    let second = open_stream(server.address, &ada, adas_build).await;
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let third = open_stream(server.address, &ada, adas_build).await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    let message = third.text().await.unwrap();
    assert!(message.contains("2 live views open"), "{message}");

    let bobs = open_stream(server.address, &bob, bobs_build).await;
    assert_eq!(bobs.status(), 200, "another person has a cap of their own");
    let crowded = open_stream(server.address, &bob, bobs_build).await;
    assert_eq!(crowded.status(), 429, "but the server's cap counts everyone");
    assert!(crowded.text().await.unwrap().contains("as many live views as it can"));

    // A closed view frees its place (the server notices at its next heartbeat at the latest).
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    while app.state.streams.open_streams() > 2 {
        assert!(tokio::time::Instant::now() < deadline, "the closed stream still counts");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let again = open_stream(server.address, &ada, adas_build).await;
    assert_eq!(again.status(), 200);
    drop((second, bobs, again));
}

/// Reads the stream until it ends.
fn read_to_the_end(response: reqwest::Response) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut body = response.bytes_stream();
        while let Some(Ok(_)) = body.next().await {}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_ends_once_its_token_is_revoked_or_its_session_signed_out_and_no_other() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let server = common::serve(app.router.clone()).await;
    let ((ada, adas_build), (bob, bobs_build)) = ada_and_bob_with_a_queued_build(&app.router).await;
    let (token_id, secret) = create_token(&app.router, &ada, "watcher").await;

    let by_token = reqwest::Client::new()
        .get(format!("http://{}/api/builds/{adas_build}/stream", server.address))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("the server answers");
    let by_session = open_stream(server.address, &ada, adas_build).await;
    let bobs = open_stream(server.address, &bob, bobs_build).await;
    for response in [&by_token, &by_session, &bobs] {
        assert_eq!(response.status(), 200);
    }
    let (by_token, by_session, bobs) =
        (read_to_the_end(by_token), read_to_the_end(by_session), read_to_the_end(bobs));

    let revoked = api(&app.router, "DELETE", &format!("/api/tokens/{token_id}"), As::User(&ada), None).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let signed_out = call_server_fn_as(&app.router, "/fn/sign_out", As::User(&ada), &[]).await;
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    let limit = RECHECK_EVERY + Duration::from_secs(10);
    tokio::time::timeout(limit, by_token).await.expect("the revoked token's stream ended").unwrap();
    tokio::time::timeout(limit, by_session).await.expect("the signed-out session's stream ended").unwrap();
    // Past Bob's stream's first check too, which came a moment after theirs.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!bobs.is_finished(), "a stream whose session still signs in goes on past its checks");
    bobs.abort();
}
