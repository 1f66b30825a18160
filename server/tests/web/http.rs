//! The router as a browser and an operator see it: pages rendered on the
//! server, the 404 page, health endpoints and a server function.

use crate::common;

use app::error::AppError;
use common::{
    api, call_server_fn_as, create_project, create_spec, get, get_as, sign_up, start_chat, test_app, As,
};

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_while_the_process_runs() {
    let app = common::app_without_database();
    let response = get(&app, "/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_reports_ready_when_the_database_answers() {
    let (app, _database) = test_app().await;
    let response = get(&app, "/readyz").await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["status"], "ready");
    assert!(response.json()["database"]["version"].as_str().unwrap_or_default().starts_with("15."));
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_answers_503_when_the_database_is_unreachable() {
    let app = common::app_without_database();
    let response = get(&app, "/readyz").await;
    assert_eq!(response.status, 503);
    assert_eq!(response.json()["error"]["code"], "database_unavailable");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_section_renders_on_the_server_inside_the_shell() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    for (path, heading, empty_state) in [
        ("/", "Dashboard", "How it works"),
        ("/chat", "New chat", "Your chats are listed here"),
        ("/wizard", "Spec wizard", "Name and pitch"),
        ("/specs", "Specs", "No specs yet"),
        ("/builds", "Builds", "No builds yet"),
        ("/projects", "Projects", "No projects yet"),
    ] {
        let response = get_as(&app, path, As::User(&user)).await;
        assert_eq!(response.status, 200, "{path}");
        // `<!>` marks the end of a text node for hydration; nobody sees it.
        let html = response.body.replace("<!>", "");
        assert!(html.contains(&format!(">{heading}</h1>")), "{path} has no heading: {}", response.body);
        assert!(response.body.contains(empty_state), "{path} lacks {empty_state:?}");
        // The sidebar links to every section from every page.
        for href in ["href=\"/chat\"", "href=\"/specs\"", "href=\"/builds\"", "href=\"/projects\""] {
            assert!(response.body.contains(href), "{path} lacks the nav link {href}");
        }
        assert!(
            response.body.contains(&format!("<title>{heading} · Agents Platform</title>")),
            "{path} title"
        );
        // The user menu names who is signed in, in the first HTML the browser
        // reads (not in a chunk streamed later that only JavaScript would show).
        let sidebar_end = response.body.find("</aside>").expect("a sidebar");
        assert!(response.body[..sidebar_end].contains("Test User"), "{path} lacks the user menu");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_of_something_missing_or_anothers_says_it_is_not_found() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let stranger = sign_up(&app, "eve@example.com").await;
    let anothers_spec = create_spec(&app, &stranger, "Eve's", "# Eve's").await;
    let unknown = "01a247e9-0000-7000-8000-000000000000";
    for (path, message, title) in [
        (format!("/specs/{unknown}"), "There is no such spec.", "Spec not found"),
        (
            format!("/specs/{}", anothers_spec["id"].as_str().unwrap()),
            "There is no such spec.",
            "Spec not found",
        ),
        (format!("/chat/{unknown}"), "There is no such chat.", "Chat not found"),
        ("/chat/not-an-id".to_owned(), "There is no such chat.", "Chat not found"),
        (format!("/builds/{unknown}"), "There is no such build.", "Build not found"),
        (format!("/projects/{unknown}"), "There is no such project.", "Project not found"),
    ] {
        let response = get_as(&app, &path, As::User(&user)).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(head_title(&response.body), Some(format!("{title} · Agents Platform")), "{path}");
        let html = response.body.replace("<!>", "");
        assert!(html.contains(">Not found</h2>") && html.contains(message), "{path}: {html}");
        assert!(
            !html.contains("Eve&#x27;s") && !html.contains("Eve's"),
            "{path} shows nothing of Eve's spec"
        );
    }
}

/// A page about one thing has its name in the HTML's head, where a browser's
/// history, a bookmark and a link's preview read it, and not only in the
/// tab once the WASM runs. The page waits for that one query before its
/// head leaves; rendered many times, because a title written a moment too
/// late showed in about one render in three. A name is text there, never
/// markup. And waiting costs the head nothing else: it still names the
/// page's WASM chunks to preload (they went missing when the request was
/// polled again, after the wait, without its own Leptos owner).
#[tokio::test(flavor = "multi_thread")]
async fn a_page_about_one_thing_names_it_and_preloads_its_code_in_its_head() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let name = "Recipes </title><b>&</b>";
    let spec = create_spec(&app, &user, name, "# Recipe box").await["id"].as_str().unwrap().to_owned();
    let project = create_project(&app, &user, "Kitchen").await;
    let chat = start_chat(&app, &user, "A recipe box for families").await;
    let build =
        api(&app, "POST", "/api/builds", As::User(&user), Some(serde_json::json!({ "spec_id": spec }))).await;
    assert_eq!(build.status, 201, "{}", build.body);
    let build = build.json()["id"].as_str().expect("a build id").to_owned();

    let escaped = "Recipes &lt;/title&gt;&lt;b&gt;&amp;&lt;/b&gt;";
    for (path, title, chunk) in [
        (format!("/specs/{spec}"), escaped.to_owned(), "chunk_spec"),
        (format!("/projects/{project}"), "Kitchen".to_owned(), "chunk_library"),
        (format!("/chat/{}", chat.id), chat.title.clone(), "chunk_chat"),
        (format!("/builds/{build}"), format!("Queued · Build of {escaped}"), "chunk_build"),
    ] {
        for _ in 0..10 {
            let response = get_as(&app, &path, As::User(&user)).await;
            assert_eq!(response.status, 200, "{path}");
            assert_eq!(head_title(&response.body), Some(format!("{title} · Agents Platform")), "{path}");
            let head = &response.body[..response.body.find("</head>").expect("a head")];
            // The chunks `tests/site/pkg/__wasm_split_manifest.json` lists.
            for preload in
                [format!(r#"href="/pkg/{chunk}.test.wasm""#), r#"href="/pkg/chunk_shared.test.wasm""#.into()]
            {
                assert!(head.contains(&preload), "{path} preloads {preload}: {head}");
            }
        }
    }
}

/// The text of the `<title>` in an HTML document's head.
fn head_title(html: &str) -> Option<String> {
    let head = &html[..html.find("</head>")?];
    let start = head.find("<title>")? + "<title>".len();
    let end = start + head[start..].find("</title>")?;
    Some(head[start..end].to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_current_section_is_marked_in_the_sidebar() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let response = get_as(&app, "/specs", As::User(&user)).await;
    let links = anchor_tags(&response.body);
    let current: Vec<&&str> = links.iter().filter(|tag| tag.contains(r#"aria-current="page""#)).collect();
    assert_eq!(current.len(), 1, "exactly one current link: {current:?}");
    assert!(current[0].contains(r#"href="/specs""#), "{current:?}");
}

/// The opening `<a ...>` tags of an HTML document.
fn anchor_tags(html: &str) -> Vec<&str> {
    html.match_indices("<a ")
        .filter_map(|(start, _)| html[start..].find('>').map(|end| &html[start..start + end]))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_address_answers_404_with_the_not_found_page() {
    let (app, _database) = test_app().await;
    let response = get(&app, "/no/such/page").await;
    assert_eq!(response.status, 404);
    assert!(response.body.contains("Page not found"));
    assert!(response.body.contains("Go to dashboard"));
}

/// Browsers accept brotli too, but answers made per request are gzipped:
/// brotli as tower-http sets it up cost the dashboard three quarters of its
/// throughput (`benches/pages.rs`).
#[tokio::test(flavor = "multi_thread")]
async fn pages_come_gzipped_to_a_browser_that_also_accepts_brotli() {
    use std::io::Read;

    let (app, _database) = test_app().await;
    let request = axum::http::Request::get("/sign-in")
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .body(axum::body::Body::empty())
        .expect("a valid request");
    let response = common::send(&app, request).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-encoding"], "gzip");
    let mut html = String::new();
    flate2::read::GzDecoder::new(&response.bytes[..]).read_to_string(&mut html).expect("a gzip body");
    assert!(html.contains("<form"), "the sign-in page, decompressed: {html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_carry_a_request_id() {
    let app = common::app_without_database();
    let response = get(&app, "/healthz").await;
    let id = response.headers.get("x-request-id").expect("x-request-id header");
    assert_eq!(id.len(), 36, "a UUID: {id:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn system_status_server_function_reports_the_database() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let response = call_server_fn_as(&app, "/fn/check_system_status", As::User(&user), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let status = response.json();
    assert!(status["database_version"].as_str().unwrap_or_default().starts_with("15."), "{status}");
    let migrations_in_tree = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .expect("the migrations folder")
        .filter(|entry| entry.as_ref().is_ok_and(|entry| entry.path().is_dir()))
        .count();
    assert_eq!(status["migrations_applied"], migrations_in_tree as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn system_status_server_function_answers_503_with_a_readable_error() {
    let app = common::app_without_database();
    // Who is calling cannot be checked either: the token lookup is what fails.
    let response = call_server_fn_as(&app, "/fn/check_system_status", As::Token("ap_whatever"), &[]).await;
    assert_eq!(response.status, 503, "{}", response.body);
    // In the function's own error form, which the page turns back into what it shows.
    let error: AppError = serde_json::from_str(&response.body).expect("an AppError");
    assert!(
        matches!(&error, AppError::Unavailable(message) if message.contains("Please try again")),
        "{error:?}"
    );
    assert!(!response.body.contains("127.0.0.1"), "internal details leaked: {}", response.body);
}
