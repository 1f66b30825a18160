//! Request limits every server process shares: REST requests per minute (per
//! user, per address before sign-in) with their headers, and sign-ups per
//! address per hour; and each process's allowance of page views and
//! server-function calls.

use crate::common;

use std::net::SocketAddr;
use std::num::NonZeroU32;

use app::error::AppError;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::contract::Contract;
use common::{app_with_auth, call_server_fn_as, get_as, send, sign_up, As, TestResponse, PASSWORD};
use server::config::AuthConfig;
use server::rate_limits::Quota;

fn limited_to(api_requests: Quota) -> AuthConfig {
    AuthConfig { api_requests, ..AuthConfig::default() }
}

fn header(response: &TestResponse, name: &str) -> u64 {
    let value = response.headers.get(name).unwrap_or_else(|| panic!("no {name}: {:?}", response.headers));
    value.to_str().unwrap().parse().unwrap_or_else(|_| panic!("{name} is not a number: {value:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_past_the_limit_is_told_when_to_come_back_and_others_are_not_affected() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), limited_to(Quota::per_minute(4)));
    // Each reads `/api/me` once for the user's id: one request of the four.
    let ada = sign_up(&app, "ada@example.com").await;
    let bob = sign_up(&app, "bob@example.com").await;

    let before = chrono::Utc::now().timestamp();
    for remaining in [2, 1, 0] {
        let response = get_as(&app, "/api/me", As::User(&ada)).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(header(&response, "x-ratelimit-limit"), 4);
        assert_eq!(header(&response, "x-ratelimit-remaining"), remaining);
    }
    let refused = get_as(&app, "/api/me", As::User(&ada)).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), 0);
    // One request comes back every 15 s; the whole allowance within the minute.
    let retry_after = header(&refused, "retry-after");
    assert!((1..=15).contains(&retry_after), "{retry_after}");
    let reset = header(&refused, "x-ratelimit-reset") as i64;
    assert!((before + 1..=before + 61).contains(&reset), "{reset} vs {before}");
    let message = refused.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("4 API requests in the last minute") && message.contains("Try again in"),
        "{message}"
    );
    let contract = Contract::served_by(&app).await;
    contract.assert_honoured("get", "/api/me", &refused);

    let other = get_as(&app, "/api/me", As::User(&bob)).await;
    assert_eq!((other.status, header(&other, "x-ratelimit-remaining")), (200, 2));
    // The document lists the headers a refusal carries.
    let refusal = &contract.document()["components"]["responses"]["RateLimited"];
    for name in ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(refusal["headers"][name].is_object(), "{name} in {refusal}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_server_process_counts_against_the_same_allowance() {
    let database = common::migrated_database().await;
    let first = app_with_auth(database.pool.clone(), limited_to(Quota::per_minute(5)));
    let second = app_with_auth(database.pool.clone(), limited_to(Quota::per_minute(5)));
    // Signing up takes one of the five.
    let ada = sign_up(&first, "ada@example.com").await;

    let answers = futures_util::future::join_all((0..8).map(|n| {
        let app = if n % 2 == 0 { &first } else { &second };
        get_as(app, "/api/me", As::User(&ada))
    }))
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|answer| answer.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
}

/// A request from `address`, as the real server sees its peer.
fn from(address: &str, mut request: Request<Body>) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo(address.parse::<SocketAddr>().unwrap()));
    request
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_before_sign_in_are_counted_per_address() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), limited_to(Quota::per_minute(2)));
    let openapi = || Request::get("/api/openapi.json").body(Body::empty()).unwrap();
    for _ in 0..2 {
        assert_eq!(send(&app, from("203.0.113.7:5000", openapi())).await.status, 200);
    }
    let refused = send(&app, from("203.0.113.7:5001", openapi())).await;
    assert_eq!(refused.status, 429);
    assert!(refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("This address has made 2 API requests"));
    // An IPv6 host holds a whole /64: its neighbours in it are the same caller.
    assert_eq!(send(&app, from("[2001:db8::1]:5000", openapi())).await.status, 200);
    assert_eq!(send(&app, from("[2001:db8::2]:5000", openapi())).await.status, 200);
    assert_eq!(send(&app, from("[2001:db8::3]:5000", openapi())).await.status, 429);
    assert_eq!(send(&app, from("198.51.100.1:5000", openapi())).await.status, 200);
}

fn sign_up_from(address: &str, email: &str) -> Request<Body> {
    let form = [("email", email), ("display_name", "Someone"), ("password", PASSWORD)];
    let request = Request::post("/fn/sign_up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap();
    from(address, request)
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ups_from_one_address_are_limited_per_hour() {
    let database = common::migrated_database().await;
    let auth = AuthConfig { sign_ups_per_address: Quota::per_hour(2), ..AuthConfig::default() };
    let app = app_with_auth(database.pool.clone(), auth);
    for n in 0..2 {
        let response = send(&app, sign_up_from("203.0.113.7:5000", &format!("user{n}@example.com"))).await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
    let refused = send(&app, sign_up_from("203.0.113.7:5000", "user2@example.com")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(header(&refused, "retry-after") > 1_500, "a unit comes back every 30 minutes");
    assert!(
        refused.body.contains("2 accounts were created from your network in the last hour"),
        "{}",
        refused.body
    );

    let elsewhere = send(&app, sign_up_from("198.51.100.1:5000", "user2@example.com")).await;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
}

fn pages_limited_to(per_minute: u32) -> AuthConfig {
    AuthConfig { page_requests_per_minute: NonZeroU32::new(per_minute).unwrap(), ..AuthConfig::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_server_functions_past_the_allowance_get_a_429_each_in_the_form_its_caller_reads() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), pages_limited_to(3));
    let ada = sign_up(&app, "ada@example.com").await;
    let bob = sign_up(&app, "bob@example.com").await;

    // A page, a server function and a page: the three of the minute.
    assert_eq!(get_as(&app, "/", As::User(&ada)).await.status, 200);
    let call = call_server_fn_as(&app, "/fn/get_current_user", As::User(&ada), &[]).await;
    assert_eq!(call.status, 200, "{}", call.body);
    assert_eq!(get_as(&app, "/specs", As::User(&ada)).await.status, 200);

    // A page is told on a page; one comes back every 20 s.
    let page = get_as(&app, "/", As::User(&ada)).await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert!((1..=20).contains(&header(&page, "retry-after")), "{:?}", page.headers);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.body.contains("You have asked for more than 3 pages"), "{}", page.body);
    // A server function's refusal is the error its page shows.
    let call = call_server_fn_as(&app, "/fn/get_current_user", As::User(&ada), &[]).await;
    assert_eq!(call.status, 429, "{}", call.body);
    assert!((1..=20).contains(&header(&call, "retry-after")));
    let error: AppError = serde_json::from_str(&call.body).expect("the server function's error");
    let AppError::TooManyRequests { message, retry_after_secs } = error else { panic!("{}", call.body) };
    assert!(message.contains("Try again in") && (1..=20).contains(&retry_after_secs), "{message}");

    // The REST API's allowance is another, and each person has their own.
    assert_eq!(get_as(&app, "/api/me", As::User(&ada)).await.status, 200);
    assert_eq!(get_as(&app, "/", As::User(&bob)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_before_sign_in_are_counted_per_address() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), pages_limited_to(2));
    let sign_in_page = || Request::get("/sign-in").body(Body::empty()).unwrap();
    for _ in 0..2 {
        assert_eq!(send(&app, from("203.0.113.7:5000", sign_in_page())).await.status, 200);
    }
    let refused = send(&app, from("203.0.113.7:5001", sign_in_page())).await;
    assert_eq!(refused.status, 429);
    assert!(refused.body.contains("This address has asked for more than 2 pages"), "{}", refused.body);
    // A path no route knows renders the app's not-found page: it counts the same.
    let unknown = || Request::get("/no-such-page").body(Body::empty()).unwrap();
    assert_eq!(send(&app, from("203.0.113.7:5002", unknown())).await.status, 429);
    assert_eq!(send(&app, from("198.51.100.1:5000", sign_in_page())).await.status, 200);
    assert_eq!(send(&app, from("198.51.100.1:5000", unknown())).await.status, 404);
}
