//! Specs through the REST API and the server functions: limits, history,
//! copies, search, downloads and project links, on a real PostgreSQL.

use crate::common;

use common::{api, call_server_fn_as, create_project, create_spec, get_as, send, sign_up, test_app, As};
use serde_json::json;

/// About 1 MiB of real text: headings, bullets, tabs and multi-byte characters.
fn spec_of_bytes(bytes: usize) -> String {
    spec_of_bytes_from("## Feature ✓\n- The user can add a todo\twith a due date — «quickly».\n", bytes)
}

/// `block` over and over, then `x`s up to exactly `bytes`.
fn spec_of_bytes_from(block: &str, bytes: usize) -> String {
    let mut content = String::with_capacity(bytes);
    while content.len() + block.len() <= bytes {
        content.push_str(block);
    }
    content.push_str(&"x".repeat(bytes - content.len()));
    content
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_is_created_listed_read_and_deleted() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let created = create_spec(&app, &user, "  Todo app ", "# Todo\n\n- add\n- list\n").await;
    assert_eq!(created["name"], "Todo app");
    assert_eq!((created["line_count"].as_i64(), created["size_bytes"].as_i64()), (Some(4), Some(21)));
    assert_eq!(created["version"], 1);
    let id = created["id"].as_str().unwrap();

    let listed = api(&app, "GET", "/api/specs", As::User(&user), None).await.json();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["preview"], "# Todo\n- add\n- list");

    let read = api(&app, "GET", &format!("/api/specs/{id}"), As::User(&user), None).await;
    assert_eq!(read.json()["content"], "# Todo\n\n- add\n- list\n");

    assert_eq!(api(&app, "DELETE", &format!("/api/specs/{id}"), As::User(&user), None).await.status, 204);
    let gone = api(&app, "GET", &format!("/api/specs/{id}"), As::User(&user), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["error"]["message"], "There is no such spec. It may have been deleted.");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_mebibyte_spec_round_trips_byte_for_byte_through_both_doors() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let content = spec_of_bytes(1_048_576);
    assert_eq!(content.len(), 1_048_576);

    let created = create_spec(&app, &user, "Big", &content).await;
    let read =
        api(&app, "GET", &format!("/api/specs/{}", created["id"].as_str().unwrap()), As::User(&user), None)
            .await;
    assert!(read.json()["content"].as_str().unwrap() == content, "the REST round trip changed the content");

    let form = [("name", "Big too"), ("content", content.as_str())];
    let saved = call_server_fn_as(&app, "/fn/create_spec", As::User(&user), &form).await;
    assert_eq!(saved.status, 200, "{}", &saved.body[..saved.body.len().min(300)]);
    let id = saved.json().as_str().expect("the new spec's id").to_owned();
    let loaded = call_server_fn_as(&app, "/fn/get_spec", As::User(&user), &[("id", &id)]).await;
    assert!(
        loaded.json()["spec"]["content"].as_str().unwrap() == content,
        "the server-function round trip changed it"
    );
    assert_eq!(loaded.json()["spec"]["size_bytes"], 1_048_576);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_mebibyte_spec_in_cyrillic_saves_from_the_pages_too() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    // Two bytes a letter, each sent as three characters in the form: 3 MiB.
    let content = spec_of_bytes_from("Пользователь может добавить задачу.\n", 1_048_576);
    let form = [("name", "Большая"), ("content", content.as_str())];
    let saved = call_server_fn_as(&app, "/fn/create_spec", As::User(&user), &form).await;
    assert_eq!(saved.status, 200, "{}", &saved.body[..saved.body.len().min(300)]);
    let id = saved.json().as_str().expect("the new spec's id").to_owned();
    let loaded = call_server_fn_as(&app, "/fn/get_spec", As::User(&user), &[("id", &id)]).await;
    assert!(loaded.json()["spec"]["content"].as_str().unwrap() == content, "the round trip changed it");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_over_the_limit_is_refused_with_both_sizes_and_nothing_is_stored() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let content = spec_of_bytes(1_153_434);
    let expected = "The spec is 1,153,434 bytes (1.10 MiB); the limit is 1,048,576 bytes (1 MiB).";

    let rest =
        api(&app, "POST", "/api/specs", As::User(&user), Some(json!({ "name": "Big", "content": content })))
            .await;
    assert_eq!(rest.status, 413);
    assert_eq!(rest.json()["error"]["code"], "too_large");
    assert!(rest.json()["error"]["message"].as_str().unwrap().starts_with(expected), "{}", rest.body);

    let form = [("name", "Big"), ("content", content.as_str())];
    let server_fn = call_server_fn_as(&app, "/fn/create_spec", As::User(&user), &form).await;
    assert_eq!(server_fn.status, 413);
    assert!(server_fn.body.contains(expected), "{}", server_fn.body);

    let small = create_spec(&app, &user, "Small", "# Small").await;
    let id = small["id"].as_str().unwrap();
    let update =
        api(&app, "PATCH", &format!("/api/specs/{id}"), As::User(&user), Some(json!({ "content": content })))
            .await;
    assert_eq!(update.status, 413);
    let kept = api(&app, "GET", &format!("/api/specs/{id}"), As::User(&user), None).await.json();
    assert_eq!((kept["content"].as_str(), kept["version"].as_i64()), (Some("# Small"), Some(1)));
    assert_eq!(api(&app, "GET", "/api/specs", As::User(&user), None).await.json()["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_checked_and_control_characters_removed() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let blank =
        api(&app, "POST", "/api/specs", As::User(&user), Some(json!({ "name": " ", "content": "x" }))).await;
    assert_eq!(
        (blank.status, blank.json()["error"]["message"].as_str()),
        (422, Some("Please give the spec a name."))
    );
    let long = api(
        &app,
        "POST",
        "/api/specs",
        As::User(&user),
        Some(json!({ "name": "n".repeat(201), "content": "x" })),
    )
    .await;
    assert_eq!(long.status, 422);
    assert!(long.body.contains("at most 200 characters; this one has 201"), "{}", long.body);

    let cleaned = create_spec(&app, &user, "Bell\u{7}", "line one\r\nline\u{0} two\tend\u{1b}").await;
    assert_eq!(cleaned["name"], "Bell");
    assert_eq!(cleaned["content"], "line one\nline two\tend");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_save_keeps_a_version_that_can_be_compared_and_restored() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &user, "Todo", "# Todo\n- add\n- list\n").await;
    let id = spec["id"].as_str().unwrap();
    let spec_path = format!("/api/specs/{id}");
    let patch = |body| api(&app, "PATCH", &spec_path, As::User(&user), Some(body));

    let second = patch(json!({ "content": "# Todo\n- add\n- delete\n- list\n" })).await.json();
    assert_eq!(second["version"], 2);
    let unchanged = patch(json!({ "content": "# Todo\n- add\n- delete\n- list\n" })).await.json();
    assert_eq!(unchanged["version"], 2, "saving the same text is not a new version");
    assert_eq!(
        unchanged["updated_at"], second["updated_at"],
        "nor does it move the spec up the recent lists"
    );

    let versions = api(&app, "GET", &format!("/api/specs/{id}/versions"), As::User(&user), None).await.json();
    let numbers: Vec<i64> =
        versions.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, vec![2, 1]);

    let diff =
        api(&app, "GET", &format!("/api/specs/{id}/diff?from=1&to=2"), As::User(&user), None).await.json();
    assert_eq!(
        (diff["added"].as_i64(), diff["removed"].as_i64(), diff["lines_left_out"].as_i64()),
        (Some(1), Some(0), Some(0))
    );
    let added: Vec<&serde_json::Value> =
        diff["lines"].as_array().unwrap().iter().filter(|l| l["change"] == "added").collect();
    assert_eq!((added[0]["text"].as_str(), added[0]["new_line"].as_i64()), (Some("- delete"), Some(3)));

    let restored =
        api(&app, "POST", &format!("/api/specs/{id}/versions/1/restore"), As::User(&user), None).await.json();
    assert_eq!(
        (restored["version"].as_i64(), restored["content"].as_str()),
        (Some(3), Some("# Todo\n- add\n- list\n"))
    );
    let old = api(&app, "GET", &format!("/api/specs/{id}/versions/2"), As::User(&user), None).await.json();
    assert_eq!(old["content"], "# Todo\n- add\n- delete\n- list\n", "restoring loses nothing");

    let missing = api(&app, "GET", &format!("/api/specs/{id}/diff?from=1&to=9"), As::User(&user), None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("no version 9"), "{}", missing.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_made_on_an_older_version_is_refused_and_the_newer_save_stays() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &user, "Todo", "# Todo\n").await;
    let id = spec["id"].as_str().unwrap();
    // Two tabs open version 1; the first saves, then the second.
    let first =
        [("id", id), ("name", "Todo"), ("content", "# Todo\n- from the first tab\n"), ("base_version", "1")];
    let saved = call_server_fn_as(&app, "/fn/save_spec", As::User(&user), &first).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let second =
        [("id", id), ("name", "Todo"), ("content", "# Todo\n- from the second tab\n"), ("base_version", "1")];
    let refused = call_server_fn_as(&app, "/fn/save_spec", As::User(&user), &second).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("at version 2, and your changes were made on version 1"),
        "{}",
        refused.body
    );

    let path = format!("/api/specs/{id}");
    let rest =
        api(&app, "PATCH", &path, As::User(&user), Some(json!({ "content": "# Other", "base_version": 1 })))
            .await;
    assert_eq!(
        (rest.status, rest.json()["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{}",
        rest.body
    );
    let kept = api(&app, "GET", &path, As::User(&user), None).await.json();
    assert_eq!(
        (kept["version"].as_i64(), kept["content"].as_str()),
        (Some(2), Some("# Todo\n- from the first tab\n"))
    );

    let on_the_latest =
        api(&app, "PATCH", &path, As::User(&user), Some(json!({ "content": "# Other", "base_version": 2 })))
            .await;
    assert_eq!(on_the_latest.json()["version"], 3, "{}", on_the_latest.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_is_a_separate_copy_of_the_current_version() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &user, "Todo", "# Todo").await;
    let id = spec["id"].as_str().unwrap();
    let copy = api(&app, "POST", &format!("/api/specs/{id}/duplicate"), As::User(&user), None).await;
    assert_eq!(copy.status, 201);
    let copy = copy.json();
    assert_eq!(
        (copy["name"].as_str(), copy["content"].as_str(), copy["version"].as_i64()),
        (Some("Copy of Todo"), Some("# Todo"), Some(1))
    );
    assert_ne!(copy["id"], spec["id"]);

    let copy_id = copy["id"].as_str().unwrap();
    api(
        &app,
        "PATCH",
        &format!("/api/specs/{copy_id}"),
        As::User(&user),
        Some(json!({ "content": "# Changed" })),
    )
    .await;
    let original = api(&app, "GET", &format!("/api/specs/{id}"), As::User(&user), None).await.json();
    assert_eq!(original["content"], "# Todo");
}

#[tokio::test(flavor = "multi_thread")]
async fn specs_are_searched_by_name_and_paged_newest_first() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    for name in ["Todo app", "Shop", "TODO list", "Blog", "100% done_"] {
        create_spec(&app, &user, name, "# spec").await;
    }
    let search = |query: &str| {
        let path = format!("/api/specs?{query}");
        let user = user.clone();
        let app = app.clone();
        async move { api(&app, "GET", &path, As::User(&user), None).await.json() }
    };
    let names = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&search("search=todo").await), vec!["TODO list", "Todo app"]);
    assert_eq!(names(&search("search=%25").await), vec!["100% done_"], "% is matched literally");
    assert_eq!(names(&search("search=_").await), vec!["100% done_"], "_ is matched literally");

    let first = search("page_size=2").await;
    assert_eq!((first["total"].as_i64(), first["page_size"].as_i64()), (Some(5), Some(2)));
    assert_eq!(names(&first), vec!["100% done_", "Blog"]);
    assert_eq!(names(&search("page_size=2&page=3").await), vec!["Todo app"]);
    assert_eq!(search("page_size=1000").await["page_size"], 100, "pages hold at most 100");

    let bad = api(&app, "GET", "/api/specs?page=first", As::User(&user), None).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_downloads_as_a_markdown_file_named_after_it() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &user, "Todo «app»", "# Todo ✓\n").await;
    let response =
        get_as(&app, &format!("/api/specs/{}/download", spec["id"].as_str().unwrap()), As::User(&user)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "text/markdown; charset=utf-8");
    assert_eq!(
        response.headers["content-disposition"],
        "attachment; filename=\"Todo _app_.md\"; filename*=UTF-8''Todo%20%C2%ABapp%C2%BB.md"
    );
    assert_eq!(response.body, "# Todo ✓\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_joins_only_its_owners_projects_and_outlives_them() {
    let (app, _database) = test_app().await;
    let owner = sign_up(&app, "ada@example.com").await;
    let stranger = sign_up(&app, "eve@example.com").await;
    let foreign_project = create_project(&app, &stranger, "Eve's").await;
    let refused = api(
        &app,
        "POST",
        "/api/specs",
        As::User(&owner),
        Some(json!({ "name": "Todo", "content": "#", "project_id": foreign_project })),
    )
    .await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.json()["error"]["message"], "There is no such project. It may have been deleted.");

    let project = create_project(&app, &owner, "Side projects").await;
    let spec = create_spec(&app, &owner, "Todo", "#").await;
    let id = spec["id"].as_str().unwrap();
    let linked = api(
        &app,
        "PATCH",
        &format!("/api/specs/{id}"),
        As::User(&owner),
        Some(json!({ "project_id": project })),
    )
    .await;
    assert_eq!(linked.json()["project"]["name"], "Side projects");
    assert_eq!(linked.json()["version"], 1, "moving a spec is not a new version");
    let moved_away = api(
        &app,
        "PATCH",
        &format!("/api/specs/{id}"),
        As::User(&owner),
        Some(json!({ "project_id": foreign_project })),
    )
    .await;
    assert_eq!(moved_away.status, 404);

    assert_eq!(
        api(&app, "DELETE", &format!("/api/projects/{project}"), As::User(&owner), None).await.status,
        204
    );
    let kept = api(&app, "GET", &format!("/api/specs/{id}"), As::User(&owner), None).await;
    assert_eq!((kept.status, kept.json()["project"].clone()), (200, serde_json::Value::Null));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_keeps_what_it_leaves_out_or_sends_as_null_and_a_null_project_unlinks() {
    let (app, _database) = test_app().await;
    let owner = sign_up(&app, "ada@example.com").await;
    let project = create_project(&app, &owner, "Side projects").await;
    let spec = create_spec(&app, &owner, "Todo", "# Todo").await;
    let spec_path = format!("/api/specs/{}", spec["id"].as_str().unwrap());
    let patch = |body| api(&app, "PATCH", &spec_path, As::User(&owner), Some(body));
    patch(json!({ "project_id": project })).await;

    let renamed = patch(json!({ "name": "Todo list", "content": null })).await.json();
    assert_eq!(
        (&renamed["name"], &renamed["content"], &renamed["project"]["name"]),
        (&json!("Todo list"), &json!("# Todo"), &json!("Side projects")),
        "the content sent as null and the project left out stay"
    );
    let unlinked = patch(json!({ "project_id": null })).await.json();
    assert_eq!((&unlinked["name"], &unlinked["project"]), (&json!("Todo list"), &serde_json::Value::Null));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_eight_mebibytes_is_refused_before_it_is_read() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let body = format!(r#"{{"name":"huge","content":"{}"}}"#, "x".repeat(9 * 1024 * 1024));
    let request = axum::http::Request::post("/api/specs")
        .header("cookie", &user.cookie)
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.json()["error"]["code"], "too_large");
    assert!(response.body.contains("the limit is 8,388,608 bytes (8 MiB)"), "{}", response.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_that_is_not_a_number_is_not_found() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let spec = create_spec(&app, &user, "Todo", "# Todo").await;
    let id = spec["id"].as_str().unwrap();
    for version in ["two", "0", "99999999999"] {
        let response =
            api(&app, "GET", &format!("/api/specs/{id}/versions/{version}"), As::User(&user), None).await;
        assert_eq!(response.status, 404, "{version}: {}", response.body);
        assert_eq!(response.json()["error"]["code"], "not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_function_whose_fields_cannot_be_read_answers_422_with_the_reason() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let unreadable_id = [("id", "not-a-uuid")];
    let no_content = [("name", "No content")];
    for (path, form, field) in
        [("/fn/get_spec", &unreadable_id, "id"), ("/fn/create_spec", &no_content, "content")]
    {
        let response = call_server_fn_as(&app, path, As::User(&user), form).await;
        assert_eq!(response.status, 422, "{path}: {}", response.body);
        let error: app::error::AppError =
            serde_json::from_str(&response.body).expect("the function's own error");
        let app::error::AppError::Invalid(message) = error else { panic!("{path}: {error:?}") };
        assert!(message.starts_with("The request's fields could not be read"), "{path}: {message}");
        assert!(message.contains(field), "{path} names `{field}`: {message}");
    }
    let listed = api(&app, "GET", "/api/specs", As::User(&user), None).await;
    assert_eq!(listed.json()["total"], 0, "nothing was made");
}

/// A third door (a CLI, a webhook) calling the service itself meets the
/// same rules as the REST API and the server functions.
#[tokio::test(flavor = "multi_thread")]
async fn the_service_itself_refuses_changes_that_break_a_rule() {
    use app::error::AppError;
    use app::model::accounts::UserProfile;
    use app::model::specs::{NewSpec, SpecChanges};
    use app::ports::Specs;

    let (app, database) = test_app().await;
    let user = sign_up(&app, "third-door@example.com").await;
    let owner = UserProfile {
        id: user.id.parse().unwrap(),
        email: user.email.clone(),
        display_name: "Third Door".into(),
        created_at: chrono::Utc::now(),
    };
    let specs = server::specs::SpecService::new(database.pool.clone(), Default::default());
    let spec = NewSpec::parse("  A spec\n", "# A spec", None, None).unwrap();
    assert_eq!(spec.name(), "A spec", "parsing cleans the name");
    let created = specs.create(&owner, spec).await.unwrap();

    let too_long = SpecChanges { name: Some("x".repeat(201)), ..SpecChanges::default() };
    let refused = specs.update(&owner, created.id, too_long).await.unwrap_err();
    assert!(matches!(&refused, AppError::Invalid(message) if message.contains("at most 200")), "{refused:?}");
    let huge = SpecChanges { content: Some("x".repeat(1024 * 1024 + 1)), ..SpecChanges::default() };
    assert!(matches!(specs.update(&owner, created.id, huge).await, Err(AppError::TooLarge(_))));
    assert_eq!(specs.versions(&owner, created.id).await.unwrap().len(), 1, "nothing was saved");
}
