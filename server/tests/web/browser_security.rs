//! What every answer tells the browser (the Content Security Policy and the
//! other security headers) and the refusal of unknown host names.

use crate::common;

use axum::body::Body;
use axum::http::Request;
use common::{app_with_auth, call_server_fn_as, get, get_as, send, sign_up, test_app, As};
use futures_util::future::join_all;
use server::config::AuthConfig;

/// The values of `attribute` on every `<script` tag of `html`.
fn script_attributes<'a>(html: &'a str, attribute: &str) -> Vec<Option<&'a str>> {
    let marker = format!("{attribute}=\"");
    html.split("<script")
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            tag.find(&marker).map(|start| {
                let value = &tag[start + marker.len()..];
                &value[..value.find('"').unwrap_or(value.len())]
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_runs_only_scripts_carrying_this_renders_nonce() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let first = get_as(&app, "/", As::User(&user)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let policy = first.headers["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"));
    assert!(policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'self'"), "{policy}");

    let nonces = script_attributes(&first.body, "nonce");
    assert!(!nonces.is_empty(), "the page hydrates through inline scripts");
    assert!(
        nonces.iter().all(|found| *found == Some(nonce)),
        "every inline script carries {nonce}: {nonces:?}"
    );

    let second = get_as(&app, "/", As::User(&user)).await;
    let second_policy = second.headers["content-security-policy"].to_str().unwrap();
    assert!(!second_policy.contains(nonce), "each render has a nonce of its own");
}

/// One thread, as on a busy worker: every request is polled where the pages
/// before it were. Leptos leaves a render's reactive owner as the thread's
/// current one; a site file or a server function answered next would adopt
/// it, take the page's headers (its policy among them) and leave it none.
#[tokio::test(flavor = "current_thread")]
async fn a_page_keeps_its_policy_while_files_and_server_functions_are_answered_beside_it() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let pages = join_all((0..8).map(|_| get_as(&app, "/", As::User(&user))));
    let files = join_all((0..8).map(|_| get(&app, "/favicon.svg")));
    let calls =
        join_all((0..8).map(|_| call_server_fn_as(&app, "/fn/get_current_user", As::User(&user), &[])));
    let (pages, files, calls) = tokio::join!(pages, files, calls);

    for page in &pages {
        assert_eq!(page.status, 200, "{}", page.body);
        let policy = page.headers.get("content-security-policy").map(|value| value.to_str().unwrap());
        assert!(
            policy.is_some_and(|policy| policy.contains("'nonce-")),
            "a page lost its policy: {policy:?}"
        );
    }
    for answer in files.iter().chain(&calls) {
        assert_eq!(answer.status, 200, "{}", answer.body);
        let policy = answer.headers["content-security-policy"].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'"), "a file or a call got a page's policy: {policy}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_carries_the_security_headers() {
    let (app, _database) = test_app().await;
    for path in ["/sign-in", "/api/me", "/healthz", "/no-such-page", "/api/openapi.json"] {
        let response = get(&app, path).await;
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "SAMEORIGIN"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
        ] {
            assert_eq!(
                response.headers.get(name).map(|value| value.to_str().unwrap()),
                Some(value),
                "{path}"
            );
        }
        assert!(response.headers.contains_key("content-security-policy"), "{path}");
        assert!(!response.headers.contains_key("strict-transport-security"), "plain http: {path}");
    }
    let api = get(&app, "/api/me").await;
    assert!(api.headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_public_url_turns_on_strict_transport_security() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), common::https_auth_config());
    let response = send(&app, request_for("agents.example.com", "/healthz")).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

fn request_for(host: &str, path: &str) -> Request<Body> {
    Request::get(path).header("host", host).body(Body::empty()).expect("a valid request")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_for_a_name_the_server_does_not_know_is_refused() {
    let database = common::migrated_database().await;
    let auth = AuthConfig {
        public_origin: Some("https://agents.example.com".into()),
        allowed_hosts: vec!["agents.internal".into()],
        ..AuthConfig::default()
    };
    let app = app_with_auth(database.pool.clone(), auth);

    // A page of the attacker's that pointed its own name at this server.
    let rebound = send(&app, request_for("rebind.attacker.example:3000", "/api/me")).await;
    assert_eq!(rebound.status, 421, "{}", rebound.body);
    let message = rebound.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("rebind.attacker.example") && message.contains("ALLOWED_HOSTS"), "{message}");
    assert_eq!(rebound.headers["x-content-type-options"], "nosniff");

    for host in ["agents.example.com", "agents.internal:3000", "127.0.0.1:3000", "localhost:3000"] {
        assert_eq!(send(&app, request_for(host, "/healthz")).await.status, 200, "{host}");
    }
}
