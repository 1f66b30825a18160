//! The authorization matrix: every endpoint and server function that touches
//! user data, called anonymously (401), by another user (404 for a resource,
//! nothing of the owner's for a collection) and by the owner (success), with a
//! session and with an API token (403 where only a session may act).
//! Each new endpoint adds a row to `endpoints`.

use crate::common;

use app::model::chats::ReplyStatus;
use common::contract::Contract;
use common::{
    api, call_server_fn_as, create_project, create_spec, create_token, run_sql, sign_up, start_chat,
    test_app, test_app_with_objects, wait_for_reply, As, TestResponse, TestUser,
};

/// How an endpoint is reached.
enum Call {
    Rest { method: &'static str, path: String, body: Option<serde_json::Value> },
    ServerFn { path: &'static str, form: Vec<(&'static str, String)> },
}

/// What the endpoint answers someone who is not the owner.
enum Scope {
    /// One of the owner's resources: others get 404, never 403, never the data.
    OwnedResource,
    /// The caller's own collection or account: others succeed but see none of the owner's data.
    OwnData,
}

struct Endpoint {
    name: &'static str,
    call: Call,
    scope: Scope,
    owner_status: u16,
    /// Whether an API token may call it (token management needs a password sign-in).
    accepts_tokens: bool,
}

/// Resources of the owner that the rows aim at, made fresh for each row.
#[derive(Default)]
struct Owned {
    token: String,
    spec: String,
    project: String,
    chat: String,
    /// The assistant's reply in `chat`, holding a finished spec.
    chat_reply: String,
    /// A queued build, a paused one and a cancelled one, whose archive
    /// (holding `README.md`) is stored.
    build: String,
    paused_build: String,
    ended_build: String,
    webhook: String,
}

fn rest(method: &'static str, path: String, body: Option<serde_json::Value>) -> Call {
    Call::Rest { method, path, body }
}

fn server_fn(path: &'static str, form: &[(&'static str, &str)]) -> Call {
    Call::ServerFn { path, form: form.iter().map(|(name, value)| (*name, value.to_string())).collect() }
}

fn row(name: &'static str, call: Call, scope: Scope, owner_status: u16) -> Endpoint {
    Endpoint { name, call, scope, owner_status, accepts_tokens: true }
}

/// Every endpoint touching user data, aimed at resources of the owner.
fn endpoints(owned: &Owned) -> Vec<Endpoint> {
    use Call::{Rest, ServerFn};
    use Scope::*;
    let owner_token_id = owned.token.as_str();
    let (spec, project) = (owned.spec.as_str(), owned.project.as_str());
    let (chat, chat_reply) = (owned.chat.as_str(), owned.chat_reply.as_str());
    let spec_body = serde_json::json!({ "name": "matrix", "content": "# matrix" });
    let message_body = serde_json::json!({ "message": "matrix question" });
    let draft_body = serde_json::json!({ "content": "# matrix draft" });
    let mut rows = vec![
        Endpoint {
            name: "GET /api/me",
            call: Rest { method: "GET", path: "/api/me".into(), body: None },
            scope: OwnData,
            owner_status: 200,
            accepts_tokens: true,
        },
        Endpoint {
            name: "GET /api/tokens",
            call: Rest { method: "GET", path: "/api/tokens".into(), body: None },
            scope: OwnData,
            owner_status: 200,
            accepts_tokens: true,
        },
        Endpoint {
            name: "POST /api/tokens",
            call: Rest {
                method: "POST",
                path: "/api/tokens".into(),
                body: Some(serde_json::json!({ "name": "matrix" })),
            },
            scope: OwnData,
            owner_status: 201,
            accepts_tokens: false,
        },
        Endpoint {
            name: "DELETE /api/tokens/{id}",
            call: Rest { method: "DELETE", path: format!("/api/tokens/{owner_token_id}"), body: None },
            scope: OwnedResource,
            owner_status: 204,
            accepts_tokens: false,
        },
        Endpoint {
            name: "check_system_status",
            call: ServerFn { path: "/fn/check_system_status", form: vec![] },
            scope: OwnData,
            owner_status: 200,
            accepts_tokens: true,
        },
        Endpoint {
            name: "list_api_tokens",
            call: ServerFn { path: "/fn/list_api_tokens", form: vec![] },
            scope: OwnData,
            owner_status: 200,
            accepts_tokens: true,
        },
        Endpoint {
            name: "create_api_token",
            call: ServerFn { path: "/fn/create_api_token", form: vec![("name", "matrix".into())] },
            scope: OwnData,
            owner_status: 200,
            accepts_tokens: false,
        },
        Endpoint {
            name: "revoke_api_token",
            call: ServerFn { path: "/fn/revoke_api_token", form: vec![("id", owner_token_id.into())] },
            scope: OwnedResource,
            owner_status: 200,
            accepts_tokens: false,
        },
    ];
    rows.extend([
        row("GET /api/specs", rest("GET", "/api/specs".into(), None), OwnData, 200),
        row("POST /api/specs", rest("POST", "/api/specs".into(), Some(spec_body.clone())), OwnData, 201),
        row("GET /api/specs/{id}", rest("GET", format!("/api/specs/{spec}"), None), OwnedResource, 200),
        row(
            "PATCH /api/specs/{id}",
            rest("PATCH", format!("/api/specs/{spec}"), Some(serde_json::json!({ "content": "# changed" }))),
            OwnedResource,
            200,
        ),
        row("DELETE /api/specs/{id}", rest("DELETE", format!("/api/specs/{spec}"), None), OwnedResource, 204),
        row(
            "POST /api/specs/{id}/duplicate",
            rest("POST", format!("/api/specs/{spec}/duplicate"), None),
            OwnedResource,
            201,
        ),
        row(
            "GET /api/specs/{id}/download",
            rest("GET", format!("/api/specs/{spec}/download"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/specs/{id}/versions",
            rest("GET", format!("/api/specs/{spec}/versions"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/specs/{id}/versions/1",
            rest("GET", format!("/api/specs/{spec}/versions/1"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/specs/{id}/versions/1/restore",
            rest("POST", format!("/api/specs/{spec}/versions/1/restore"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/specs/{id}/diff",
            rest("GET", format!("/api/specs/{spec}/diff?from=1&to=1"), None),
            OwnedResource,
            200,
        ),
        row(
            "PATCH /api/specs/{id} into the owner's project",
            rest("PATCH", format!("/api/specs/{spec}"), Some(serde_json::json!({ "project_id": project }))),
            OwnedResource,
            200,
        ),
        row("GET /api/projects", rest("GET", "/api/projects".into(), None), OwnData, 200),
        row(
            "POST /api/projects",
            rest("POST", "/api/projects".into(), Some(serde_json::json!({ "name": "matrix" }))),
            OwnData,
            201,
        ),
        row(
            "GET /api/projects/{id}",
            rest("GET", format!("/api/projects/{project}"), None),
            OwnedResource,
            200,
        ),
        row(
            "PATCH /api/projects/{id}",
            rest("PATCH", format!("/api/projects/{project}"), Some(serde_json::json!({ "name": "renamed" }))),
            OwnedResource,
            200,
        ),
        row(
            "DELETE /api/projects/{id}",
            rest("DELETE", format!("/api/projects/{project}"), None),
            OwnedResource,
            204,
        ),
        row("list_specs", server_fn("/fn/list_specs", &[]), OwnData, 200),
        row(
            "create_spec",
            server_fn("/fn/create_spec", &[("name", "matrix"), ("content", "# m")]),
            OwnData,
            200,
        ),
        row("get_spec", server_fn("/fn/get_spec", &[("id", spec)]), OwnedResource, 200),
        row(
            "save_spec",
            server_fn(
                "/fn/save_spec",
                &[("id", spec), ("name", "n"), ("content", "c"), ("base_version", "1")],
            ),
            OwnedResource,
            200,
        ),
        row(
            "move_spec_to_project",
            server_fn("/fn/move_spec_to_project", &[("id", spec), ("project_id", project)]),
            OwnedResource,
            200,
        ),
        row("duplicate_spec", server_fn("/fn/duplicate_spec", &[("id", spec)]), OwnedResource, 200),
        row("delete_spec", server_fn("/fn/delete_spec", &[("id", spec)]), OwnedResource, 200),
        row("list_spec_versions", server_fn("/fn/list_spec_versions", &[("id", spec)]), OwnedResource, 200),
        row(
            "diff_spec_versions",
            server_fn("/fn/diff_spec_versions", &[("id", spec), ("from_version", "1"), ("to_version", "1")]),
            OwnedResource,
            200,
        ),
        row(
            "restore_spec_version",
            server_fn("/fn/restore_spec_version", &[("id", spec), ("version", "1")]),
            OwnedResource,
            200,
        ),
        row("list_projects", server_fn("/fn/list_projects", &[]), OwnData, 200),
        row("get_dashboard", server_fn("/fn/get_dashboard", &[]), OwnData, 200),
        row("GET /api/dashboard", rest("GET", "/api/dashboard".into(), None), OwnData, 200),
        row(
            "get_spec_version",
            server_fn("/fn/get_spec_version", &[("id", spec), ("version", "1")]),
            OwnedResource,
            200,
        ),
        row(
            "create_project",
            server_fn("/fn/create_project", &[("name", "m"), ("description", "")]),
            OwnData,
            200,
        ),
        row("get_project", server_fn("/fn/get_project", &[("id", project)]), OwnedResource, 200),
        row(
            "update_project",
            server_fn("/fn/update_project", &[("id", project), ("name", "n"), ("description", "d")]),
            OwnedResource,
            200,
        ),
        row("delete_project", server_fn("/fn/delete_project", &[("id", project)]), OwnedResource, 200),
    ]);
    rows.extend([
        row("GET /api/chats", rest("GET", "/api/chats".into(), None), OwnData, 200),
        row("POST /api/chats", rest("POST", "/api/chats".into(), Some(message_body.clone())), OwnData, 202),
        row("GET /api/chats/{id}", rest("GET", format!("/api/chats/{chat}"), None), OwnedResource, 200),
        row(
            "PATCH /api/chats/{id}",
            rest("PATCH", format!("/api/chats/{chat}"), Some(serde_json::json!({ "title": "renamed" }))),
            OwnedResource,
            200,
        ),
        row("DELETE /api/chats/{id}", rest("DELETE", format!("/api/chats/{chat}"), None), OwnedResource, 204),
        row(
            "POST /api/chats/{id}/messages",
            rest("POST", format!("/api/chats/{chat}/messages"), Some(message_body.clone())),
            OwnedResource,
            202,
        ),
        row(
            "GET /api/chats/{id}/reply",
            rest("GET", format!("/api/chats/{chat}/reply"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/chats/{id}/stop",
            rest("POST", format!("/api/chats/{chat}/stop"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/chats/{id}/retry",
            rest("POST", format!("/api/chats/{chat}/retry"), None),
            OwnedResource,
            202,
        ),
        row(
            "POST /api/chats/{id}/specs",
            rest(
                "POST",
                format!("/api/chats/{chat}/specs"),
                Some(serde_json::json!({ "message_id": chat_reply, "name": "matrix" })),
            ),
            OwnedResource,
            201,
        ),
        row(
            "POST /api/specs/refine",
            rest("POST", "/api/specs/refine".into(), Some(draft_body)),
            OwnData,
            200,
        ),
        row("list_chats", server_fn("/fn/list_chats", &[]), OwnData, 200),
        row("get_chat", server_fn("/fn/get_chat", &[("id", chat)]), OwnedResource, 200),
        // start_chat and send_chat_message redirect forms posted without
        // JavaScript; asked for JSON, as here, they answer 200.
        row("start_chat", server_fn("/fn/start_chat", &[("message", "matrix question")]), OwnData, 200),
        row(
            "send_chat_message",
            server_fn("/fn/send_chat_message", &[("chat_id", chat), ("message", "matrix question")]),
            OwnedResource,
            200,
        ),
        row("stop_chat_reply", server_fn("/fn/stop_chat_reply", &[("chat_id", chat)]), OwnedResource, 200),
        row("retry_chat_reply", server_fn("/fn/retry_chat_reply", &[("chat_id", chat)]), OwnedResource, 200),
        row(
            "rename_chat",
            server_fn("/fn/rename_chat", &[("chat_id", chat), ("title", "renamed")]),
            OwnedResource,
            200,
        ),
        row("delete_chat", server_fn("/fn/delete_chat", &[("chat_id", chat)]), OwnedResource, 200),
        row(
            "save_chat_spec",
            server_fn(
                "/fn/save_chat_spec",
                &[("chat_id", chat), ("message_id", chat_reply), ("name", "matrix")],
            ),
            OwnedResource,
            200,
        ),
        row("refine_spec", server_fn("/fn/refine_spec", &[("content", "# matrix draft")]), OwnData, 200),
    ]);
    let (build, paused, ended) =
        (owned.build.as_str(), owned.paused_build.as_str(), owned.ended_build.as_str());
    let build_body = serde_json::json!({ "spec_id": spec });
    rows.extend([
        row("GET /api/builds", rest("GET", "/api/builds".into(), None), OwnData, 200),
        row("POST /api/builds", rest("POST", "/api/builds".into(), Some(build_body)), OwnedResource, 201),
        row("GET /api/builds/{id}", rest("GET", format!("/api/builds/{build}"), None), OwnedResource, 200),
        row(
            "POST /api/builds/{id}/cancel",
            rest("POST", format!("/api/builds/{build}/cancel"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/builds/{id}/pause",
            rest("POST", format!("/api/builds/{build}/pause"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/builds/{id}/resume",
            rest("POST", format!("/api/builds/{paused}/resume"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/builds/{id}/logs",
            rest("GET", format!("/api/builds/{build}/logs?after=0&limit=10"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/builds/{id}/logs.txt",
            rest("GET", format!("/api/builds/{build}/logs.txt"), None),
            OwnedResource,
            200,
        ),
        row(
            "get_build_log",
            server_fn("/fn/get_build_log", &[("id", build), ("after", "0"), ("limit", "10")]),
            OwnedResource,
            200,
        ),
        // A build that has ended: its stream is its history, then it closes.
        row(
            "GET /api/builds/{id}/stream",
            rest("GET", format!("/api/builds/{ended}/stream"), None),
            OwnedResource,
            200,
        ),
        row("list_builds", server_fn("/fn/list_builds", &[("query[limit]", "10")]), OwnData, 200),
        row("get_build", server_fn("/fn/get_build", &[("id", build)]), OwnedResource, 200),
        row("get_build_page", server_fn("/fn/get_build_page", &[("id", build)]), OwnedResource, 200),
        row("start_build", server_fn("/fn/start_build", &[("spec_id", spec)]), OwnedResource, 200),
        row(
            "control_build cancel",
            server_fn("/fn/control_build", &[("id", build), ("control", "cancel")]),
            OwnedResource,
            200,
        ),
        row(
            "control_build pause",
            server_fn("/fn/control_build", &[("id", build), ("control", "pause")]),
            OwnedResource,
            200,
        ),
        row(
            "control_build resume",
            server_fn("/fn/control_build", &[("id", paused), ("control", "resume")]),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/builds/{id}/artifacts?info=true",
            rest("GET", format!("/api/builds/{ended}/artifacts?info=true"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/builds/{id}/artifacts",
            rest("GET", format!("/api/builds/{ended}/artifacts"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/builds/{id}/artifacts/manifest",
            rest("GET", format!("/api/builds/{ended}/artifacts/manifest"), None),
            OwnedResource,
            200,
        ),
        // Only a failed upload is retried: the owner is told why not (409), others get 404.
        row(
            "POST /api/builds/{id}/artifacts/retry",
            rest("POST", format!("/api/builds/{ended}/artifacts/retry"), None),
            OwnedResource,
            409,
        ),
        row(
            "GET /api/builds/{id}/files",
            rest("GET", format!("/api/builds/{ended}/files"), None),
            OwnedResource,
            200,
        ),
        row(
            "GET /api/builds/{id}/files/{path}",
            rest("GET", format!("/api/builds/{ended}/files/README.md"), None),
            OwnedResource,
            200,
        ),
        row(
            "DELETE /api/builds/{id}",
            rest("DELETE", format!("/api/builds/{ended}"), None),
            OwnedResource,
            204,
        ),
        row(
            "get_build_result",
            server_fn("/fn/get_build_result", &[("build_id", ended)]),
            OwnedResource,
            200,
        ),
        row(
            "read_build_file",
            server_fn("/fn/read_build_file", &[("build_id", ended), ("path", "README.md")]),
            OwnedResource,
            200,
        ),
        row(
            "retry_build_artifact",
            server_fn("/fn/retry_build_artifact", &[("build_id", ended)]),
            OwnedResource,
            409,
        ),
        row("delete_build", server_fn("/fn/delete_build", &[("id", ended)]), OwnedResource, 200),
        // A queued build has no work directory yet: nothing to start.
        row(
            "GET /api/builds/{id}/preview",
            rest("GET", format!("/api/builds/{build}/preview"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/builds/{id}/preview/links",
            rest("POST", format!("/api/builds/{build}/preview/links"), None),
            OwnedResource,
            201,
        ),
        row(
            "GET /api/builds/{id}/preview/open",
            rest("GET", format!("/api/builds/{build}/preview/open"), None),
            OwnedResource,
            303,
        ),
        row(
            "POST /api/builds/{id}/preview/restart",
            rest("POST", format!("/api/builds/{build}/preview/restart"), None),
            OwnedResource,
            409,
        ),
        row(
            "get_preview_status",
            server_fn("/fn/get_preview_status", &[("build_id", build)]),
            OwnedResource,
            200,
        ),
        row("restart_preview", server_fn("/fn/restart_preview", &[("build_id", build)]), OwnedResource, 409),
    ]);
    let hook = owned.webhook.as_str();
    let hook_body =
        serde_json::json!({ "url": "https://hooks.example.com/matrix", "events": ["build.failed"] });
    rows.extend([
        row("GET /api/webhooks", rest("GET", "/api/webhooks".into(), None), OwnData, 200),
        row("POST /api/webhooks", rest("POST", "/api/webhooks".into(), Some(hook_body)), OwnData, 201),
        row(
            "GET /api/webhooks/{id}/deliveries",
            rest("GET", format!("/api/webhooks/{hook}/deliveries"), None),
            OwnedResource,
            200,
        ),
        row(
            "POST /api/webhooks/{id}/test",
            rest("POST", format!("/api/webhooks/{hook}/test"), None),
            OwnedResource,
            202,
        ),
        row(
            "DELETE /api/webhooks/{id}",
            rest("DELETE", format!("/api/webhooks/{hook}"), None),
            OwnedResource,
            204,
        ),
        row("list_webhooks", server_fn("/fn/list_webhooks", &[]), OwnData, 200),
        row(
            "create_webhook",
            server_fn(
                "/fn/create_webhook",
                &[("url", "https://hooks.example.com/m"), ("events[0]", "build.paused")],
            ),
            OwnData,
            200,
        ),
        row(
            "list_webhook_deliveries",
            server_fn("/fn/list_webhook_deliveries", &[("id", hook)]),
            OwnedResource,
            200,
        ),
        row("send_test_webhook", server_fn("/fn/send_test_webhook", &[("id", hook)]), OwnedResource, 200),
        row("delete_webhook", server_fn("/fn/delete_webhook", &[("id", hook)]), OwnedResource, 200),
    ]);
    rows
}

/// A webhook of `owner`'s; the others made for earlier rows are removed
/// first, so the ten-per-account limit never gets in the way.
async fn owned_webhook(
    app: &axum::Router,
    pool: &server::db::DbPool,
    owner: &TestUser,
    name: &str,
) -> String {
    run_sql(pool, "DELETE FROM webhooks").await;
    let body = serde_json::json!({ "url": format!("https://hooks.example.com/{}", name.replace(' ', "-")), "events": ["build.completed"] });
    let created = api(app, "POST", "/api/webhooks", As::User(owner), Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json()["webhook"]["id"].as_str().unwrap().to_owned()
}

/// A queued, a paused and a cancelled build of `spec` for `owner` (no
/// worker runs them here); earlier rows' builds are removed first, so the
/// limit of active builds never gets in the way.
async fn owned_builds(
    app: &axum::Router,
    pool: &server::db::DbPool,
    owner: &TestUser,
    spec: &str,
) -> [String; 3] {
    run_sql(pool, "DELETE FROM builds").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let body = serde_json::json!({ "spec_id": spec });
        let response = api(app, "POST", "/api/builds", As::User(owner), Some(body)).await;
        assert_eq!(response.status, 201, "{}", response.body);
        ids.push(response.json()["id"].as_str().expect("a build id").to_owned());
    }
    for (id, action) in [(&ids[1], "pause"), (&ids[2], "cancel")] {
        let response = api(app, "POST", &format!("/api/builds/{id}/{action}"), As::User(owner), None).await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
    [ids[0].clone(), ids[1].clone(), ids[2].clone()]
}

async fn call(app: &axum::Router, endpoint: &Endpoint, caller: As<'_>) -> TestResponse {
    match &endpoint.call {
        Call::Rest { method, path, body } => api(app, method, path, caller, body.clone()).await,
        Call::ServerFn { path, form } => {
            let form: Vec<(&str, &str)> = form.iter().map(|(name, value)| (*name, value.as_str())).collect();
            call_server_fn_as(app, path, caller, &form).await
        }
    }
}

/// Whether `response` shows anything that belongs to `owner`: their id or
/// email, the ids of the row's resources, or the name they share.
fn reveals(response: &TestResponse, owner: &TestUser, resource_ids: &str, resource_name: &str) -> bool {
    [owner.id.as_str(), owner.email.as_str(), resource_name]
        .into_iter()
        .chain(resource_ids.split(' '))
        .any(|secret| response.body.contains(secret))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_answers_401_to_strangers_404_to_other_users_and_serves_the_owner() {
    let (app, database, objects) = test_app_with_objects().await;
    let owner = sign_up(&app, "owner@example.com").await;
    let other = sign_up(&app, "other@example.com").await;
    let (_, owner_secret) = create_token(&app, &owner, "owner's script").await;
    let (_, other_secret) = create_token(&app, &other, "other's script").await;

    // Both ways of signing in are checked for every row.
    let ways: [(&str, As, As); 2] = [
        ("session", As::User(&owner), As::User(&other)),
        ("API token", As::Token(&owner_secret), As::Token(&other_secret)),
    ];
    for (way, as_owner, as_other) in ways {
        // Fresh resources per row: the owner's own call may delete them.
        for index in 0..endpoints(&Owned::default()).len() {
            let resource_name = format!("owned resource {index} via {way}");
            let (token, _) = create_token(&app, &owner, &resource_name).await;
            let spec =
                create_spec(&app, &owner, &resource_name, "# owned").await["id"].as_str().unwrap().to_owned();
            let project = create_project(&app, &owner, &resource_name).await;
            // The matrix asks the model more often than the hourly limit
            // allows; the limit has its own tests in chats.rs.
            run_sql(&database.pool, "DELETE FROM model_requests").await;
            // The title, the chat's first line, carries the name a leak would show.
            let idea = format!("{resource_name}: write the spec for a todo app, go ahead");
            let chat = start_chat(&app, &owner, &idea).await;
            let answered = wait_for_reply(&app, As::User(&owner), chat.id).await;
            let reply = answered.messages.last().expect("the chat has a reply");
            assert_eq!(reply.status, ReplyStatus::Complete, "{reply:?}");
            let (chat, chat_reply) = (chat.id.to_string(), reply.id.to_string());
            let [build, paused_build, ended_build] = owned_builds(&app, &database.pool, &owner, &spec).await;
            common::archives::store_readme_archive(&database.pool, &objects, &ended_build).await;
            let webhook = owned_webhook(&app, &database.pool, &owner, &resource_name).await;
            let resource_id = format!(
                "{token} {spec} {project} {chat} {chat_reply} {build} {paused_build} {ended_build} {webhook}"
            );
            let owned =
                Owned { token, spec, project, chat, chat_reply, build, paused_build, ended_build, webhook };
            let endpoint = &endpoints(&owned)[index];
            let label = format!("{} ({way})", endpoint.name);

            let anonymous = call(&app, endpoint, As::Anonymous).await;
            assert_eq!(anonymous.status, 401, "{label} anonymous: {}", anonymous.body);
            assert!(!reveals(&anonymous, &owner, &resource_id, &resource_name), "{label} anonymous leaked");

            let is_refused_token = way == "API token" && !endpoint.accepts_tokens;
            let stranger = call(&app, endpoint, as_other).await;
            match endpoint.scope {
                _ if is_refused_token => {
                    assert_eq!(stranger.status, 403, "{label} other user: {}", stranger.body)
                }
                Scope::OwnedResource => {
                    assert_eq!(stranger.status, 404, "{label} other user: {}", stranger.body)
                }
                Scope::OwnData => assert!(
                    (200..300).contains(&stranger.status),
                    "{label} other user: {} {}",
                    stranger.status,
                    stranger.body
                ),
            }
            assert!(
                !reveals(&stranger, &owner, &resource_id, &resource_name),
                "{label} leaked: {}",
                stranger.body
            );

            let by_owner = call(&app, endpoint, as_owner).await;
            let expected = if is_refused_token { 403 } else { endpoint.owner_status };
            assert_eq!(by_owner.status, expected, "{label} owner: {}", by_owner.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_current_user_is_nobody_for_strangers_and_oneself_for_the_owner() {
    let (app, _database) = test_app().await;
    let anonymous = call_server_fn_as(&app, "/fn/get_current_user", As::Anonymous, &[]).await;
    assert_eq!((anonymous.status, anonymous.body.as_str()), (200, "null"));
    let owner = sign_up(&app, "owner@example.com").await;
    let me = call_server_fn_as(&app, "/fn/get_current_user", As::User(&owner), &[]).await;
    assert_eq!(me.json()["email"], "owner@example.com");
}

/// What anyone may call, so it has no row: signing up and in (and out), who
/// is signed in (nobody, for a stranger: the test below), the API's own
/// description, and an archive download, which its signed link authorizes
/// (tested with the signatures, in `storage::signed_url` and `builds`).
const OPEN_TO_ANYONE: &[&str] = &[
    "/fn/sign_up",
    "/fn/sign_in",
    "/fn/sign_out",
    "/fn/get_current_user",
    "get /api/openapi.json",
    "get /api/storage/{key}",
];

/// Whether `path` (`/api/specs/0192…/versions/2?x=1`) is an instance of
/// `template` (`/api/specs/{id}/versions/{version}`).
fn is_instance_of(path: &str, template: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (segments, patterns): (Vec<_>, Vec<_>) = (path.split('/').collect(), template.split('/').collect());
    segments.len() == patterns.len()
        && segments
            .iter()
            .zip(&patterns)
            .all(|(segment, pattern)| pattern.starts_with('{') || segment == pattern)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_and_server_function_has_a_row_in_the_matrix() {
    let (app, _database) = test_app().await;
    let rows = endpoints(&Owned::default());
    let has_rest_row = |method: &str, template: &str| {
        rows.iter().any(|row| match &row.call {
            Call::Rest { method: row_method, path, .. } => {
                row_method.eq_ignore_ascii_case(method) && is_instance_of(path, template)
            }
            Call::ServerFn { .. } => false,
        })
    };
    let mut missing = Vec::new();
    for (method, template) in Contract::served_by(&app).await.operations() {
        let name = format!("{method} {template}");
        if !OPEN_TO_ANYONE.contains(&name.as_str()) && !has_rest_row(&method, &template) {
            missing.push(name);
        }
    }
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let has_row = rows
            .iter()
            .any(|row| matches!(&row.call, Call::ServerFn { path: row_path, .. } if *row_path == path));
        if !OPEN_TO_ANYONE.contains(&path) && !has_row {
            missing.push(path.to_owned());
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "add a row to `endpoints` (or, if anyone may call it, to OPEN_TO_ANYONE) for: {missing:#?}"
    );
}
