//! Projects through the REST API and the server functions.

use crate::common;

use common::{api, call_server_fn_as, create_project, create_spec, sign_up, test_app, As};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_project_is_created_renamed_described_listed_and_deleted_keeping_its_specs() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let id = create_project(&app, &user, "Side projects").await;
    let spec = create_spec(&app, &user, "Todo", "# Todo").await;
    let spec_id = spec["id"].as_str().unwrap();
    api(&app, "PATCH", &format!("/api/specs/{spec_id}"), As::User(&user), Some(json!({ "project_id": id })))
        .await;

    let renamed = api(
        &app,
        "PATCH",
        &format!("/api/projects/{id}"),
        As::User(&user),
        Some(json!({ "name": "Weekend apps", "description": "Small things" })),
    )
    .await
    .json();
    assert_eq!(
        (renamed["name"].as_str(), renamed["description"].as_str()),
        (Some("Weekend apps"), Some("Small things"))
    );
    assert_eq!(renamed["specs"][0]["name"], "Todo");

    let listed = api(&app, "GET", "/api/projects", As::User(&user), None).await.json();
    assert_eq!((listed[0]["spec_count"].as_i64(), listed[0]["build_count"].as_i64()), (Some(1), Some(0)));

    // The same through the server functions the pages use.
    let form = [("id", id.as_str()), ("name", "Weekend"), ("description", "")];
    let updated = call_server_fn_as(&app, "/fn/update_project", As::User(&user), &form).await;
    assert_eq!(updated.json()["name"], "Weekend");

    assert_eq!(
        call_server_fn_as(&app, "/fn/delete_project", As::User(&user), &[("id", &id)]).await.status,
        200
    );
    assert_eq!(api(&app, "GET", &format!("/api/projects/{id}"), As::User(&user), None).await.status, 404);
    let spec = api(&app, "GET", &format!("/api/specs/{spec_id}"), As::User(&user), None).await;
    assert_eq!(spec.status, 200, "deleting a project keeps its specs");
}

#[tokio::test(flavor = "multi_thread")]
async fn project_names_are_checked() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let blank = api(&app, "POST", "/api/projects", As::User(&user), Some(json!({ "name": "  " }))).await;
    assert_eq!(
        (blank.status, blank.json()["error"]["message"].as_str()),
        (422, Some("Please give the project a name."))
    );
}
