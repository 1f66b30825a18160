//! Caps on open live streams: a person's build views past their cap, and
//! anyone's past the server's, are refused with 429 until one closes.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{
    build_app_with_auth, create_spec, idle_build_setup, migrated_database, sign_up, start_build, TestUser,
};
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

#[tokio::test(flavor = "multi_thread")]
async fn live_views_past_a_persons_cap_or_the_servers_are_refused_until_one_closes() {
    let database = migrated_database().await;
    let auth = server::config::AuthConfig {
        streams: StreamLimits { per_user: 2, total: 3 },
        ..common::test_auth_config()
    };
    let app = build_app_with_auth(&database, idle_build_setup(), auth);
    let server = common::serve(app.router.clone()).await;
    let ada = sign_up(&app.router, "ada@example.com").await;
    let bob = sign_up(&app.router, "bob@example.com").await;
    let adas_spec = create_spec(&app.router, &ada, "Todo", SPEC).await;
    let adas_build = start_build(&app.router, &ada, adas_spec["id"].as_str().unwrap()).await.id;
    let bobs_spec = create_spec(&app.router, &bob, "Todo", SPEC).await;
    let bobs_build = start_build(&app.router, &bob, bobs_spec["id"].as_str().unwrap()).await.id;

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
