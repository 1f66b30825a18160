//! The data a page sends along for hydration. The browser reads the
//! server's resources by number, in the order its components make them, so
//! the server must number them the same way on every render; a page that
//! made a resource inside a Suspense numbered it by chance (the boundary
//! runs its children again once their data is ready), and the browser then
//! read another resource's answer and failed to hydrate.

use crate::common;

use common::{
    api, create_project, create_spec, get_as, sign_up, start_chat, test_app_with_objects, wait_for_reply, As,
    TestUser,
};

/// How many times each page is rendered: the bad numbering showed in about
/// half of the renders.
const RENDERS: usize = 20;

#[tokio::test(flavor = "multi_thread")]
async fn an_ended_builds_page_with_a_file_open_numbers_its_data_the_same_way_every_time() {
    let (app, database, objects) = test_app_with_objects().await;
    let owner = sign_up(&app, "hydration@example.com").await;
    let spec = create_spec(&app, &owner, "Hydrated", "# Hydrated").await["id"].as_str().unwrap().to_owned();
    let build = cancelled_build(&app, &owner, &spec).await;
    common::archives::store_readme_archive(&database.pool, &objects, &build).await;

    let page = format!("/builds/{build}?file=README.md");
    let first = rendered_resources(&app, &owner, &page).await;
    let file = first.iter().filter(|(_, value)| value.contains("# owned")).count();
    assert_eq!(file, 1, "the open file's content is sent once: {first:#?}");
    for _ in 1..RENDERS {
        assert_eq!(rendered_resources(&app, &owner, &page).await, first);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_with_data_numbers_it_the_same_way_every_time() {
    let (app, _database, _objects) = test_app_with_objects().await;
    let owner = sign_up(&app, "hydration@example.com").await;
    let spec = create_spec(&app, &owner, "Hydrated", "# Hydrated").await["id"].as_str().unwrap().to_owned();
    let changed = serde_json::json!({ "content": "# Hydrated, again" });
    let response = api(&app, "PATCH", &format!("/api/specs/{spec}"), As::User(&owner), Some(changed)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let project = create_project(&app, &owner, "Hydrated project").await;
    let chat = start_chat(&app, &owner, "A hydrated todo app").await.id;
    wait_for_reply(&app, As::User(&owner), chat).await;
    let build = cancelled_build(&app, &owner, &spec).await;
    let queued = queued_build(&app, &owner, &spec).await;

    let pages = [
        format!("/specs/{spec}"),
        format!("/specs/{spec}?view=source"),
        format!("/chat/{chat}"),
        "/chat".to_owned(),
        format!("/builds/{build}"),
        format!("/builds/{build}?view=preview"),
        format!("/builds/{queued}?file=README.md"),
        format!("/projects/{project}"),
        "/".to_owned(),
        "/specs?search=Hydr&page=1".to_owned(),
        "/builds?status=queued".to_owned(),
        "/projects".to_owned(),
        "/settings".to_owned(),
    ];
    for page in pages {
        let first = rendered_resources(&app, &owner, &page).await;
        assert!(first.len() > 1, "{page} sends its data along: {first:#?}");
        for _ in 1..RENDERS {
            assert_eq!(rendered_resources(&app, &owner, &page).await, first, "{page}");
        }
    }
}

/// A build of `spec`, queued: no worker runs in these tests.
async fn queued_build(app: &axum::Router, owner: &TestUser, spec: &str) -> String {
    let body = serde_json::json!({ "spec_id": spec });
    let started = api(app, "POST", "/api/builds", As::User(owner), Some(body)).await;
    assert_eq!(started.status, 201, "{}", started.body);
    started.json()["id"].as_str().expect("a build id").to_owned()
}

/// A build of `spec` that was cancelled before any worker ran it.
async fn cancelled_build(app: &axum::Router, owner: &TestUser, spec: &str) -> String {
    let build = queued_build(app, owner, spec).await;
    let cancelled = api(app, "POST", &format!("/api/builds/{build}/cancel"), As::User(owner), None).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    build
}

/// The resources a render of `page` sends to the browser, by number: each
/// `__RESOLVED_RESOURCES[n] = "…";` the HTML carries, with its value. A
/// number sent twice is kept twice, so that it shows in the comparison.
/// Sorted by number: the browser reads them by number, and resources that
/// resolve at the same moment are written in either order.
async fn rendered_resources(app: &axum::Router, owner: &TestUser, page: &str) -> Vec<(u32, String)> {
    let html = get_as(app, page, As::User(owner)).await;
    assert_eq!(html.status, 200, "{page}: {}", html.body);
    let mut resources: Vec<(u32, String)> = html
        .body
        .split("__RESOLVED_RESOURCES[")
        .skip(1)
        .map(|assignment| {
            let (number, rest) = assignment.split_once("] = \"").expect("a resource's number and value");
            let value = rest.split_once("\";").map_or(rest, |(value, _)| value);
            (number.parse().expect("a resource number"), value.to_owned())
        })
        .collect();
    resources.sort_by_key(|(number, _)| *number);
    resources
}
