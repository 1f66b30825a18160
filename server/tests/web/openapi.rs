//! `/api/openapi.json` describes the API that exists: every documented
//! operation is routed (no 404 "no such endpoint", no 405).

use crate::common;

use common::{
    api, create_project, create_spec, create_token, run_sql, sign_up, start_chat, test_app, wait_for_reply,
    As,
};

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_is_served() {
    let (app, database) = test_app().await;
    let document = api(&app, "GET", "/api/openapi.json", As::Anonymous, None).await;
    assert_eq!(document.status, 200, "the description is public");
    let document = document.json();
    assert_eq!(document["openapi"], "3.1.0");

    let user = sign_up(&app, "ada@example.com").await;
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 12, "{paths:?}");
    for (template, item) in paths {
        for (method, operation) in item.as_object().unwrap().iter().filter(|(key, _)| *key != "parameters") {
            // A fresh target for each call: some of them delete it.
            // A chat whose reply holds a finished spec, for the chat routes.
            let mut reply_id = String::new();
            let mut spec_id = String::new();
            let id = if template.starts_with("/api/chats/") {
                let chat = start_chat(&app, &user, "Write the spec for a todo app, go ahead.").await;
                let chat = wait_for_reply(&app, As::User(&user), chat.id).await;
                reply_id = chat.messages.last().expect("a reply").id.to_string();
                chat.id.to_string()
            } else if template.starts_with("/api/specs/") {
                create_spec(&app, &user, "doc", "# doc").await["id"].as_str().unwrap().to_owned()
            } else if template.starts_with("/api/builds") {
                // No worker runs builds here: the limit of active ones is kept by clearing them.
                run_sql(&database.pool, "DELETE FROM builds").await;
                spec_id = create_spec(&app, &user, "doc", "# doc").await["id"].as_str().unwrap().to_owned();
                let build = api(
                    &app,
                    "POST",
                    "/api/builds",
                    As::User(&user),
                    Some(serde_json::json!({ "spec_id": spec_id })),
                )
                .await;
                let build = build.json()["id"].as_str().unwrap().to_owned();
                // Resume needs a paused build; the stream of an ended one
                // closes; only an ended build can be deleted.
                let prepare = if template.ends_with("/resume") {
                    Some("pause")
                } else if template.ends_with("/stream")
                    || (template == "/api/builds/{id}" && method == "delete")
                {
                    Some("cancel")
                } else {
                    None
                };
                if let Some(action) = prepare {
                    api(&app, "POST", &format!("/api/builds/{build}/{action}"), As::User(&user), None).await;
                }
                build
            } else if template.starts_with("/api/projects/") {
                create_project(&app, &user, "doc").await
            } else {
                create_token(&app, &user, "doc").await.0
            };
            let mut path = template
                .replace("{id}", &id)
                .replace("{version}", "1")
                .replace("{path}", "README.md")
                .replace("{key}", &format!("builds/{id}/artifacts.tar.gz"));
            if template.ends_with("/diff") {
                path.push_str("?from=1&to=1");
            }
            let body = operation
                .get("requestBody")
                .map(|_| serde_json::json!({
                    "name": "doc", "content": "# doc", "message": "Add tags, please.", "title": "doc", "message_id": reply_id,
                    "spec_id": spec_id,
                }));
            let response = api(&app, &method.to_uppercase(), &path, As::User(&user), body).await;
            assert!(
                response.status != 405 && !response.body.contains("no such API endpoint"),
                "{method} {template}: {} {}",
                response.status,
                response.body
            );
            // With no worker here, builds leave no archive: those routes say so.
            let expected = if template.starts_with("/api/builds/{id}/artifacts/retry") {
                409
            } else if template.starts_with("/api/builds/{id}/artifacts")
                || template.starts_with("/api/builds/{id}/files")
            {
                404
            } else if template.starts_with("/api/storage/") {
                403
            } else {
                response.status.min(399)
            };
            assert_eq!(response.status, expected, "{method} {template}: {}", response.body);
            if response.status >= 400 {
                assert!(
                    response.json()["error"]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("archive") || m.contains("link")),
                    "{method} {template}: {}",
                    response.body
                );
            }
        }
    }
}
