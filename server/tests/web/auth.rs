//! Accounts, sessions, sign-in throttling, CSRF refusal and API tokens,
//! against the real router and a real PostgreSQL.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::{
    api, app_with_auth, app_with_pool, call_server_fn_as, create_token, get, get_as, send, session_cookie,
    sign_in, sign_up, test_app, As, TestUser, PASSWORD,
};
use diesel::prelude::*;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use server::config::{AuthConfig, ThrottlePolicy};
use server::db::schema::{api_tokens, sessions, users};

#[tokio::test(flavor = "multi_thread")]
async fn signing_up_starts_a_session_in_a_safe_cookie_and_stores_only_an_argon2id_hash() {
    let (app, database) = test_app().await;
    let form = [("email", "Ada@Example.com"), ("display_name", "Ada Lovelace"), ("password", PASSWORD)];
    let response = call_server_fn_as(&app, "/fn/sign_up", As::Anonymous, &form).await;
    assert_eq!(response.status, 200, "{}", response.body);

    let set_cookie =
        response.headers.get("set-cookie").expect("a session cookie").to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{attribute} missing: {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http must not get a Secure cookie: {set_cookie}");

    let user = TestUser {
        id: String::new(),
        email: "Ada@Example.com".into(),
        cookie: session_cookie(&response).unwrap(),
    };
    let me = get_as(&app, "/api/me", As::User(&user)).await.json();
    assert_eq!(
        (me["email"].as_str(), me["display_name"].as_str()),
        (Some("Ada@Example.com"), Some("Ada Lovelace"))
    );

    let mut connection = database.pool.get().await.unwrap();
    let hash: String = users::table.select(users::password_hash).first(&mut connection).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let database = common::migrated_database().await;
    let app = app_with_auth(database.pool.clone(), common::https_auth_config());
    let form = [("email", "ada@example.com"), ("display_name", "Ada"), ("password", PASSWORD)];
    let response = call_server_fn_as(&app, "/fn/sign_up", As::Anonymous, &form).await;
    let set_cookie = response.headers.get("set-cookie").expect("a session cookie").to_str().unwrap();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_signs_up_once_whatever_its_case() {
    let (app, _database) = test_app().await;
    sign_up(&app, "ada@example.com").await;
    let form = [("email", "ADA@example.COM"), ("display_name", "Imposter"), ("password", PASSWORD)];
    let response = call_server_fn_as(&app, "/fn/sign_up", As::Anonymous, &form).await;
    assert_eq!(response.status, 409, "{}", response.body);
    assert!(response.body.contains("already exists"), "{}", response.body);
    assert!(session_cookie(&response).is_none(), "a refused sign-up must not sign anybody in");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_whose_letters_lowercase_differently_in_rust_signs_in() {
    let (app, _database) = test_app().await;
    // Rust lowercases the last Σ to a final ς; PostgreSQL does not.
    let email = "ΟΔΥΣΣΕΥΣ@example.gr";
    let form = [("email", email), ("display_name", "Odysseus"), ("password", PASSWORD)];
    let signed_up = call_server_fn_as(&app, "/fn/sign_up", As::Anonymous, &form).await;
    assert_eq!(signed_up.status, 200, "{}", signed_up.body);
    let signed_in = sign_in(&app, email, PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn weak_passwords_are_refused_with_the_rule_they_break() {
    let (app, _database) = test_app().await;
    for (password, rule) in [("short", "at least 10 characters"), ("bob@example.com", "cannot be your email")]
    {
        let form = [("email", "bob@example.com"), ("display_name", "Bob"), ("password", password)];
        let response = call_server_fn_as(&app, "/fn/sign_up", As::Anonymous, &form).await;
        assert_eq!(response.status, 422, "{}", response.body);
        assert!(response.body.contains(rule), "{rule}: {}", response.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let (app, _database) = test_app().await;
    sign_up(&app, "ada@example.com").await;
    let wrong_password = sign_in(&app, "ada@example.com", "not the password").await;
    let unknown_email = sign_in(&app, "nobody@example.com", PASSWORD).await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!((unknown_email.status, &unknown_email.body), (401, &wrong_password.body));
    assert!(wrong_password.body.contains("The email or password is wrong."), "{}", wrong_password.body);
    assert!(session_cookie(&wrong_password).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_replaces_the_session_id_and_returns_to_the_page_asked_for() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let form = [("email", "ADA@example.com"), ("password", PASSWORD), ("next", "/specs?page=2")];
    let response = call_server_fn_as(&app, "/fn/sign_in", As::User(&user), &form).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.headers.get("location").unwrap(), "/specs?page=2");

    let new_cookie = session_cookie(&response).expect("a new session cookie");
    assert_ne!(new_cookie, user.cookie, "the session id must change on sign-in");
    let old = get_as(&app, "/api/me", As::User(&user)).await;
    assert_eq!(old.status, 401, "the id from before sign-in must be worthless");
    let renewed = TestUser { cookie: new_cookie, ..user };
    assert_eq!(get_as(&app, "/api/me", As::User(&renewed)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_never_redirects_to_another_site() {
    let (app, _database) = test_app().await;
    sign_up(&app, "ada@example.com").await;
    for next in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let form = [("email", "ada@example.com"), ("password", PASSWORD), ("next", next)];
        let response = call_server_fn_as(&app, "/fn/sign_in", As::Anonymous, &form).await;
        assert_eq!(response.headers.get("location").unwrap(), "/", "{next}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_ends_the_session_for_good() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let response = call_server_fn_as(&app, "/fn/sign_out", As::User(&user), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.headers.get("location").unwrap(), "/sign-in");
    let removal = response.headers.get("set-cookie").expect("the cookie is removed").to_str().unwrap();
    assert!(removal.starts_with("agents_session=;") && removal.contains("Max-Age=0"), "{removal}");

    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 401);
    let mut connection = database.pool.get().await.unwrap();
    let left: i64 = sessions::table.count().get_result(&mut connection).await.unwrap();
    assert_eq!(left, 0, "the session row is deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_https_the_session_cookie_is_one_no_other_host_can_plant() {
    let database = common::migrated_database().await;
    let auth = AuthConfig { secure_cookies: true, ..common::test_auth_config() };
    let app = app_with_auth(database.pool.clone(), auth);
    let form = [("email", "ada@example.com"), ("display_name", "Ada"), ("password", PASSWORD)];
    let response = call_server_fn_as(&app, "/fn/sign_up", As::Anonymous, &form).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let set = response.headers.get_all("set-cookie").iter().filter_map(|value| value.to_str().ok());
    let set = set.filter(|value| value.starts_with("__Host-agents_session=")).collect::<Vec<_>>();
    assert_eq!(set.len(), 1, "one host cookie: {set:?}");
    assert!(set[0].contains("Secure") && set[0].contains("Path=/"), "{}", set[0]);
    assert!(!set[0].to_ascii_lowercase().contains("domain"), "{}", set[0]);

    let pair = set[0].split(';').next().unwrap_or_default();
    let signed_in = TestUser { id: String::new(), email: "ada@example.com".into(), cookie: pair.to_owned() };
    assert_eq!(get_as(&app, "/api/me", As::User(&signed_in)).await.status, 200);
    // The same session under the plain name, as another host of the domain
    // could set it for the parent domain, signs nobody in.
    let plain = pair.replacen("__Host-", "", 1);
    let planted = TestUser { cookie: plain, ..signed_in };
    assert_eq!(get_as(&app, "/api/me", As::User(&planted)).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_table_holds_digests_so_a_leaked_row_signs_nobody_in() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let value = user.cookie.strip_prefix("agents_session=").expect("a session cookie");

    let mut connection = database.pool.get().await.unwrap();
    let stored: Vec<String> = sessions::table.select(sessions::id).load(&mut connection).await.unwrap();
    assert_eq!(stored, vec![common::sha256_hex(value.as_bytes())]);

    let with_stolen_row = TestUser { cookie: format!("agents_session={}", stored[0]), ..user.clone() };
    assert_eq!(get_as(&app, "/api/me", As::User(&with_stolen_row)).await.status, 401);
    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_stored_before_digests_stay_signed_in_through_the_migration() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let value = user.cookie.strip_prefix("agents_session=").expect("a session cookie");
    let mut connection = database.pool.get().await.unwrap();
    // The row as it was kept before: under the cookie's own value.
    diesel::update(sessions::table).set(sessions::id.eq(value)).execute(&mut connection).await.unwrap();
    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 401);

    connection
        .batch_execute(include_str!("../../../migrations/2026-12-04-000010_session_digests/up.sql"))
        .await
        .expect("the migration converts the rows");
    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_survive_a_server_restart() {
    let database = common::migrated_database().await;
    let user = sign_up(&app_with_pool(database.pool.clone()), "ada@example.com").await;
    // A new router over a new pool: nothing survives but the database.
    let restarted = app_with_pool(server::db::build_pool(&common::database_config(&database.url)).unwrap());
    let me = get_as(&restarted, "/api/me", As::User(&user)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["email"], "ada@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_session_is_refused() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let mut connection = database.pool.get().await.unwrap();
    diesel::update(sessions::table)
        .set(sessions::expires_at.eq(chrono::Utc::now() - chrono::TimeDelta::seconds(1)))
        .execute(&mut connection)
        .await
        .unwrap();
    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn using_a_session_pushes_its_expiry_forward() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let mut connection = database.pool.get().await.unwrap();
    // As if the session was last renewed a day ago and expires in an hour.
    let soon = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let data: serde_json::Value =
        sessions::table.select(sessions::data).first(&mut connection).await.unwrap();
    let mut data = data;
    data["renewed_at"] = serde_json::json!(chrono::Utc::now().timestamp() - 86_400);
    diesel::update(sessions::table)
        .set((sessions::expires_at.eq(soon), sessions::data.eq(&data)))
        .execute(&mut connection)
        .await
        .unwrap();

    let response = get_as(&app, "/api/me", As::User(&user)).await;
    assert_eq!(response.status, 200);
    assert!(response.headers.get("set-cookie").is_some(), "the cookie's lifetime is renewed too");
    let expires_at: chrono::DateTime<chrono::Utc> =
        sessions::table.select(sessions::expires_at).first(&mut connection).await.unwrap();
    assert!(expires_at > chrono::Utc::now() + chrono::TimeDelta::days(13), "{expires_at}");
    // The user was loaded with the session; only the session's own data is written back.
    let stored: serde_json::Value =
        sessions::table.select(sessions::data).first(&mut connection).await.unwrap();
    assert_eq!(stored["user_id"].as_str(), Some(user.id.as_str()));
    let mut keys: Vec<&String> = stored.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["renewed_at", "user_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_whose_user_is_gone_ends() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "gone@example.com").await;
    let mut connection = database.pool.get().await.unwrap();
    diesel::delete(users::table).execute(&mut connection).await.unwrap();

    let response = get_as(&app, "/api/me", As::User(&user)).await;
    assert_eq!(response.status, 401, "{}", response.body);
    let left: i64 = sessions::table.count().get_result(&mut connection).await.unwrap();
    assert_eq!(left, 0, "the session row is deleted");
}

/// A sign-in attempt from `address`, as the real server sees its peer.
async fn sign_in_from(
    app: &axum::Router,
    address: &str,
    email: &str,
    password: &str,
) -> common::TestResponse {
    let body = serde_urlencoded::to_string([("email", email), ("password", password)]).unwrap();
    let mut request = Request::post("/fn/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(body))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(address.parse::<SocketAddr>().unwrap()));
    send(app, request).await
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_for_one_account_are_refused_with_retry_after() {
    let (app, _database) = test_app().await;
    sign_up(&app, "ada@example.com").await;
    sign_up(&app, "bob@example.com").await;
    for attempt in 1..=5 {
        let response = sign_in(&app, "ada@example.com", "guess number x").await;
        assert_eq!(response.status, 401, "attempt {attempt}");
    }
    // Even the right password waits now.
    let refused = sign_in(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let retry_after: u64 = refused.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((890..=900).contains(&retry_after), "the window is 15 minutes: {retry_after}");
    assert!(refused.body.contains("Too many failed sign-ins. Please wait 15 minutes"), "{}", refused.body);
    // Another account is not affected.
    assert_eq!(sign_in(&app, "bob@example.com", PASSWORD).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_from_one_address_are_refused_across_accounts() {
    let database = common::migrated_database().await;
    let throttle = ThrottlePolicy { max_failures_per_address: 3, ..ThrottlePolicy::default() };
    let app = app_with_auth(database.pool.clone(), AuthConfig { throttle, ..common::test_auth_config() });
    sign_up(&app, "ada@example.com").await;
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        assert_eq!(sign_in_from(&app, "198.51.100.7:5000", email, "spray attempt").await.status, 401);
    }
    let refused = sign_in_from(&app, "198.51.100.7:5001", "ada@example.com", PASSWORD).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.headers.get("retry-after").is_some());
    // Somebody else, from elsewhere, signs in as usual.
    assert_eq!(sign_in_from(&app, "203.0.113.1:5000", "ada@example.com", PASSWORD).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stranger_guessing_cannot_lock_the_owner_out_but_a_distributed_guess_meets_a_ceiling() {
    let database = common::migrated_database().await;
    let throttle = ThrottlePolicy {
        max_failures_per_account_and_address: 2,
        max_failures_per_account: 4,
        ..ThrottlePolicy::default()
    };
    let app = app_with_auth(database.pool.clone(), AuthConfig { throttle, ..common::test_auth_config() });
    sign_up(&app, "ada@example.com").await;

    let stranger = "198.51.100.7:5000";
    for _ in 0..2 {
        assert_eq!(sign_in_from(&app, stranger, "ada@example.com", "a stranger's guess").await.status, 401);
    }
    let refused = sign_in_from(&app, stranger, "ada@example.com", PASSWORD).await;
    assert_eq!(refused.status, 429, "the stranger's address is stopped: {}", refused.body);
    let owner = sign_in_from(&app, "203.0.113.1:5000", "ada@example.com", PASSWORD).await;
    assert_eq!(owner.status, 200, "the owner, elsewhere, is not: {}", owner.body);
    // Signing in gave the stranger nothing back.
    assert_eq!(sign_in_from(&app, stranger, "ada@example.com", "one more guess").await.status, 429);

    // Guesses spread over addresses meet the account's ceiling.
    for _ in 0..2 {
        assert_eq!(
            sign_in_from(&app, "192.0.2.9:5000", "ada@example.com", "another guess").await.status,
            401
        );
    }
    let ceiling = sign_in_from(&app, "203.0.113.1:5000", "ada@example.com", PASSWORD).await;
    assert_eq!(ceiling.status, 429, "{}", ceiling.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_guesses_cannot_slip_past_the_limit() {
    let database = common::migrated_database().await;
    // Enough connections that every guess runs at the same moment.
    let mut config = common::database_config(&database.url);
    config.max_connections = 24;
    let app = app_with_pool(server::db::build_pool(&config).unwrap());
    sign_up(&app, "ada@example.com").await;
    let guesses = (0..24).map(|n| {
        let app = app.clone();
        tokio::spawn(
            async move { sign_in(&app, "ada@example.com", &format!("parallel guess {n}")).await.status },
        )
    });
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses.iter().filter(|status| **status == 401).count();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!((checked, refused), (5, 19), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_successful_sign_in_clears_the_accounts_failures() {
    let (app, _database) = test_app().await;
    sign_up(&app, "ada@example.com").await;
    for _ in 0..4 {
        assert_eq!(sign_in(&app, "ada@example.com", "typo in the pass").await.status, 401);
    }
    assert_eq!(sign_in(&app, "ada@example.com", PASSWORD).await.status, 200);
    for _ in 0..4 {
        assert_eq!(sign_in(&app, "ada@example.com", "typo in the pass").await.status, 401);
    }
    assert_eq!(sign_in(&app, "ada@example.com", PASSWORD).await.status, 200);
}

/// A server-function call that carries a browser's origin headers.
async fn sign_out_with_headers(app: &axum::Router, user: &TestUser, headers: &[(&str, &str)]) -> u16 {
    let mut builder = Request::post("/fn/sign_out")
        .header("cookie", &user.cookie)
        .header("host", "127.0.0.1:3000")
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = send(app, builder.body(Body::empty()).unwrap()).await;
    if response.status == 403 {
        assert!(response.body.contains("came from another website"), "{}", response.body);
    }
    response.status
}

#[tokio::test(flavor = "multi_thread")]
async fn state_changing_requests_from_another_site_are_refused() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;

    assert_eq!(sign_out_with_headers(&app, &user, &[("origin", "https://evil.example")]).await, 403);
    assert_eq!(sign_out_with_headers(&app, &user, &[("sec-fetch-site", "cross-site")]).await, 403);
    assert_eq!(sign_out_with_headers(&app, &user, &[("sec-fetch-site", "same-site")]).await, 403);
    // The forged sign-outs did nothing.
    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 200);

    // A REST write from another site is refused the same way.
    let mut request = Request::post("/api/tokens")
        .header("cookie", &user.cookie)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"name":"stolen"}"#))
        .unwrap();
    request.headers_mut().insert("host", "127.0.0.1:3000".parse().unwrap());
    assert_eq!(send(&app, request).await.status, 403);

    // The site's own page may.
    let same_origin = [("origin", "http://127.0.0.1:3000"), ("sec-fetch-site", "same-origin")];
    assert_eq!(sign_out_with_headers(&app, &user, &same_origin).await, 200);
    assert_eq!(get_as(&app, "/api/me", As::User(&user)).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_visitors_are_sent_to_sign_in_and_back() {
    let (app, _database) = test_app().await;
    let response = get(&app, "/specs?page=2").await;
    assert_eq!(response.status, 303);
    assert_eq!(response.headers.get("location").unwrap(), "/sign-in?next=/specs%3Fpage%3D2");
    assert_eq!(get(&app, "/").await.headers.get("location").unwrap(), "/sign-in");

    for (page, heading) in [("/sign-in", "Sign in"), ("/sign-up", "Create your account")] {
        let response = get(&app, page).await;
        assert_eq!(response.status, 200, "{page}");
        assert!(response.body.contains(heading), "{page}: {}", response.body);
    }

    let user = sign_up(&app, "ada@example.com").await;
    let signed_in = get_as(&app, "/sign-in", As::User(&user)).await;
    assert_eq!((signed_in.status, signed_in.headers.get("location").unwrap().to_str().unwrap()), (303, "/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_tokens_are_shown_once_stored_hashed_and_work_until_revoked() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let (token_id, secret) = create_token(&app, &user, "CI pipeline").await;
    assert!(secret.starts_with("ap_"), "{secret}");

    let listed = api(&app, "GET", "/api/tokens", As::User(&user), None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()[0]["name"], "CI pipeline");
    assert!(secret.starts_with(listed.json()[0]["prefix"].as_str().unwrap()));
    assert!(!listed.body.contains(&secret), "a listed token must not reveal its secret");

    let mut connection = database.pool.get().await.unwrap();
    let stored: Vec<u8> =
        api_tokens::table.select(api_tokens::token_hash).first(&mut connection).await.unwrap();
    assert_ne!(stored, secret.as_bytes(), "only a digest is stored");
    assert_eq!(stored.len(), 32);

    let me = get_as(&app, "/api/me", As::Token(&secret)).await;
    assert_eq!((me.status, me.json()["email"].as_str()), (200, Some("ada@example.com")));
    // Written after the answer, off the request's path.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let used: Option<chrono::DateTime<chrono::Utc>> =
            api_tokens::table.select(api_tokens::last_used_at).first(&mut connection).await.unwrap();
        if used.is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the list shows when a token was last used");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let revoked = api(&app, "DELETE", &format!("/api/tokens/{token_id}"), As::User(&user), None).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let refused = get_as(&app, "/api/me", As::Token(&secret)).await;
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("revoked"), "{}", refused.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_authorization_header_is_refused_with_a_hint() {
    let (app, _database) = test_app().await;
    let request =
        Request::get("/api/me").header("authorization", "Basic YWRhOnB3").body(Body::empty()).unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["error"]["code"], "unauthorized");
    assert!(response.body.contains("Authorization: Bearer"), "{}", response.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_names_are_checked() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let blank =
        api(&app, "POST", "/api/tokens", As::User(&user), Some(serde_json::json!({ "name": "  " }))).await;
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(blank.body.contains("give the token a name"), "{}", blank.body);
    let missing_name =
        api(&app, "POST", "/api/tokens", As::User(&user), Some(serde_json::json!({ "title": "x" }))).await;
    assert_eq!(missing_name.status, 422, "{}", missing_name.body);
    assert_eq!(missing_name.json()["error"]["code"], "invalid_body");
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_a_session_that_was_signed_out_meanwhile_does_not_bring_it_back() {
    use tower_sessions::session::{Id, Record};
    use tower_sessions::session_store::SessionStore;

    let database = common::migrated_database().await;
    let store = server::auth::sessions::PgSessionStore::new(database.pool.clone());
    let expiry_date = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut record = Record { id: Id::default(), data: Default::default(), expiry_date };
    store.create(&mut record).await.unwrap();
    store.delete(&record.id).await.unwrap();
    // A request that loaded the session before the sign-out now saves it.
    store.save(&record).await.unwrap();
    assert_eq!(SessionStore::load(&store, &record.id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_tokens_cannot_mint_or_revoke_tokens() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let (token_id, secret) = create_token(&app, &user, "script").await;
    let minted =
        api(&app, "POST", "/api/tokens", As::Token(&secret), Some(serde_json::json!({ "name": "x" }))).await;
    assert_eq!(minted.status, 403, "{}", minted.body);
    assert!(minted.body.contains("Sign in and use the Settings page"), "{}", minted.body);
    let revoked = api(&app, "DELETE", &format!("/api/tokens/{token_id}"), As::Token(&secret), None).await;
    assert_eq!(revoked.status, 403);
    // Reading is fine.
    assert_eq!(api(&app, "GET", "/api/tokens", As::Token(&secret), None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_sessions_and_old_failures_are_deleted_by_housekeeping() {
    let (app, database) = test_app().await;
    sign_up(&app, "ada@example.com").await;
    let mut connection = database.pool.get().await.unwrap();
    diesel::update(sessions::table)
        .set(sessions::expires_at.eq(chrono::Utc::now() - chrono::TimeDelta::minutes(1)))
        .execute(&mut connection)
        .await
        .unwrap();
    let config = AuthConfig { session_lifetime: Duration::from_secs(3600), ..AuthConfig::default() };
    let accounts = server::auth::AccountService::new(database.pool.clone(), &config);
    let (sessions_deleted, _) = accounts.delete_stale_records().await.unwrap();
    assert_eq!(sessions_deleted, 1);
}
