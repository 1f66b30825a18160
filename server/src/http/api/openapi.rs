//! The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json`.
//! Written by hand next to the routes it describes; `tests/openapi.rs` calls
//! every operation listed here, so a renamed route fails the tests.

use axum::Json;
use serde_json::{json, Value};

pub async fn document() -> Json<Value> {
    Json(openapi())
}

fn error_responses() -> Value {
    json!({
        "401": { "$ref": "#/components/responses/Error" },
        "403": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" },
        "413": { "$ref": "#/components/responses/Error" },
        "422": { "$ref": "#/components/responses/Error" },
        "429": { "$ref": "#/components/responses/Error" },
        "503": { "$ref": "#/components/responses/Error" }
    })
}

fn operation(summary: &str, ok_status: &str, ok_schema: Option<Value>, body: Option<&str>) -> Value {
    let mut responses = error_responses();
    responses[ok_status] = match ok_schema {
        Some(schema) => {
            json!({ "description": "OK", "content": { "application/json": { "schema": schema } } })
        }
        None => json!({ "description": "Done" }),
    };
    let mut operation = json!({ "summary": summary, "responses": responses });
    if let Some(schema) = body {
        operation["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
        });
    }
    operation
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn list_of(name: &str) -> Value {
    json!({ "type": "array", "items": schema(name) })
}

fn id_parameter(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

fn version_parameter() -> Value {
    json!({ "name": "version", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } })
}

fn with_parameters(mut path_item: Value, parameters: Vec<Value>) -> Value {
    path_item["parameters"] = Value::Array(parameters);
    path_item
}

pub fn openapi() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Autonomous Agents Platform API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Specs, chats with the spec assistant, builds, projects and your account. Authenticate with a personal API token \
                (Settings → API tokens) sent as `Authorization: Bearer <token>`, or with the browser \
                session. Errors are `{\"error\": {\"code\", \"message\"}}`; another user's resource \
                answers 404, like a missing one."
        },
        "security": [{ "bearerAuth": [] }, { "sessionCookie": [] }],
        "paths": merged(merged(merged(paths(), chat_paths()), build_paths()), artifact_paths()),
        "components": components(),
    })
}

fn paths() -> Value {
    let spec_id = || id_parameter("id");
    json!({
        "/api/me": { "get": operation("The signed-in user", "200", Some(schema("UserProfile")), None) },
        "/api/dashboard": { "get": operation("Counts of your specs, projects and builds by state; recent work", "200", Some(schema("DashboardSummary")), None) },
        "/api/tokens": {
            "get": operation("Your API tokens (never their secrets)", "200", Some(list_of("ApiTokenSummary")), None),
            "post": operation("Create a token; its secret is in this answer only (session only)", "201", Some(schema("CreatedApiToken")), Some("NewToken"))
        },
        "/api/tokens/{id}": with_parameters(json!({
            "delete": operation("Revoke a token (session only)", "204", None, None)
        }), vec![id_parameter("id")]),
        "/api/specs": {
            "get": {
                "summary": "Your specs, newest first, one page at a time",
                "parameters": [
                    { "name": "search", "in": "query", "schema": { "type": "string" }, "description": "part of the name, any case" },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "default": 1 } },
                    { "name": "page_size", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 24 } },
                    { "name": "project_id", "in": "query", "schema": { "type": "string", "format": "uuid" } }
                ],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": schema("SpecPage") } } } }
            },
            "post": operation("Create a spec (content ≤ 1 MiB, else 413)", "201", Some(schema("SpecDetail")), Some("NewSpec"))
        },
        "/api/specs/{id}": with_parameters(json!({
            "get": operation("One spec with its content", "200", Some(schema("SpecDetail")), None),
            "patch": operation("Change name, content or project; a changed text is a new version", "200", Some(schema("SpecDetail")), Some("SpecChanges")),
            "delete": operation("Delete a spec and its history", "204", None, None)
        }), vec![spec_id()]),
        "/api/specs/{id}/duplicate": with_parameters(json!({
            "post": operation("Copy a spec as \"Copy of …\"", "201", Some(schema("SpecDetail")), None)
        }), vec![spec_id()]),
        "/api/specs/{id}/download": with_parameters(json!({
            "get": {
                "summary": "The content as a Markdown file named after the spec",
                "responses": { "200": { "description": "OK", "content": { "text/markdown": { "schema": { "type": "string" } } } } }
            }
        }), vec![spec_id()]),
        "/api/specs/{id}/versions": with_parameters(json!({
            "get": operation("Every saved version, newest first", "200", Some(list_of("SpecVersionSummary")), None)
        }), vec![spec_id()]),
        "/api/specs/{id}/versions/{version}": with_parameters(json!({
            "get": operation("One saved version with its content", "200", Some(schema("SpecVersion")), None)
        }), vec![spec_id(), version_parameter()]),
        "/api/specs/{id}/versions/{version}/restore": with_parameters(json!({
            "post": operation("Make an old version current again, as a new version", "200", Some(schema("SpecDetail")), None)
        }), vec![spec_id(), version_parameter()]),
        "/api/specs/{id}/diff": with_parameters(json!({
            "get": {
                "summary": "Line-by-line comparison of two versions",
                "parameters": [
                    { "name": "from", "in": "query", "required": true, "schema": { "type": "integer" } },
                    { "name": "to", "in": "query", "required": true, "schema": { "type": "integer" } }
                ],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": schema("SpecDiff") } } } }
            }
        }), vec![spec_id()]),
        "/api/projects": {
            "get": operation("Your projects with their spec and build counts", "200", Some(list_of("ProjectSummary")), None),
            "post": operation("Create a project", "201", Some(schema("ProjectDetail")), Some("NewProject"))
        },
        "/api/projects/{id}": with_parameters(json!({
            "get": operation("One project with its specs and builds", "200", Some(schema("ProjectDetail")), None),
            "patch": operation("Rename or describe a project", "200", Some(schema("ProjectDetail")), Some("ProjectChanges")),
            "delete": operation("Delete a project; its specs and builds stay, unlinked", "204", None, None)
        }), vec![id_parameter("id")])
    })
}

/// The chats API; kept apart so no single `json!` grows past the macro's recursion limit.
fn chat_paths() -> Value {
    json!({
        "/api/specs/refine": {
            "post": operation("Ask the assistant to improve a spec draft; counts toward the hourly limit", "200", Some(schema("RefinedSpec")), Some("SpecDraft"))
        },
        "/api/chats": {
            "get": operation("Your chats with the spec assistant, most recently active first", "200", Some(list_of("ChatSummary")), None),
            "post": operation("Start a chat with a first message; the reply is written in the background (429 past 60 requests an hour)", "202", Some(schema("ChatDetail")), Some("NewMessage"))
        },
        "/api/chats/{id}": with_parameters(json!({
            "get": operation("One chat with every message, including a reply being written", "200", Some(schema("ChatDetail")), None),
            "patch": operation("Rename a chat", "200", Some(schema("ChatDetail")), Some("ChatChanges")),
            "delete": operation("Delete a chat; specs saved from it stay", "204", None, None)
        }), vec![id_parameter("id")]),
        "/api/chats/{id}/messages": with_parameters(json!({
            "post": operation("Send a message; 409 while a reply is being written", "202", Some(schema("ChatDetail")), Some("NewMessage"))
        }), vec![id_parameter("id")]),
        "/api/chats/{id}/reply": with_parameters(json!({
            "get": {
                "summary": "Follow the reply being written, as server-sent events: `snapshot` (the text so far), `delta`s, then `done`; `idle` when none is being written",
                "responses": { "200": { "description": "OK", "content": { "text/event-stream": { "schema": schema("ReplyEvent") } } } }
            }
        }), vec![id_parameter("id")]),
        "/api/chats/{id}/stop": with_parameters(json!({
            "post": operation("Stop the reply being written; the text so far is kept", "200", Some(schema("ChatDetail")), None)
        }), vec![id_parameter("id")]),
        "/api/chats/{id}/retry": with_parameters(json!({
            "post": operation("Replace the last answer with a new one", "202", Some(schema("ChatDetail")), None)
        }), vec![id_parameter("id")]),
        "/api/chats/{id}/specs": with_parameters(json!({
            "post": operation("Save the spec block of a reply as a new spec linked to the chat", "201", Some(schema("SpecDetail")), Some("SaveChatSpec"))
        }), vec![id_parameter("id")])
    })
}

fn chat_schemas() -> Value {
    json!({
        "SpecDraft": { "type": "object", "required": ["content"], "properties": { "content": { "type": "string", "description": "at most 1,048,576 bytes of UTF-8" } } },
        "RefinedSpec": { "type": "object", "properties": { "content": { "type": "string" } } },
        "NewMessage": { "type": "object", "required": ["message"], "properties": { "message": { "type": "string" } } },
        "ChatChanges": { "type": "object", "required": ["title"], "properties": { "title": { "type": "string", "maxLength": 200 } } },
        "SaveChatSpec": { "type": "object", "required": ["message_id", "name"], "properties": { "message_id": { "type": "string", "format": "uuid" }, "name": { "type": "string", "maxLength": 200 } } },
        "ChatSummary": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "title": { "type": "string" }, "message_count": { "type": "integer" }, "is_replying": { "type": "boolean" }, "updated_at": { "type": "string", "format": "date-time" } } },
        "ChatMessage": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "role": { "enum": ["user", "assistant"] }, "content": { "type": "string" }, "status": { "enum": ["complete", "streaming", "stopped", "interrupted", "failed"] }, "error": { "type": ["string", "null"] }, "model": { "type": ["string", "null"] }, "input_tokens": { "type": ["integer", "null"] }, "output_tokens": { "type": ["integer", "null"] }, "created_at": { "type": "string", "format": "date-time" } } },
        "ChatDetail": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "title": { "type": "string" }, "messages": list_of("ChatMessage"), "saved_specs": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" } } } }, "assistant": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" } } },
        "ReplyEvent": { "type": "object", "required": ["type"], "properties": { "type": { "enum": ["snapshot", "delta", "done", "idle"] }, "message_id": { "type": "string", "format": "uuid" }, "content": { "type": "string" }, "text": { "type": "string" }, "status": { "type": "string" }, "error": { "type": ["string", "null"] } } }
    })
}

/// The builds API.
fn build_paths() -> Value {
    let build_id = || id_parameter("id");
    json!({
        "/api/builds": {
            "get": {
                "summary": "Your builds, newest first",
                "parameters": [
                    { "name": "status", "in": "query", "schema": { "enum": ["queued", "running", "paused", "completed", "failed", "cancelled"] } },
                    { "name": "spec_id", "in": "query", "schema": { "type": "string", "format": "uuid" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 100 } }
                ],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": list_of("BuildSummary") } } } }
            },
            "post": operation("Build a spec as it is now (429 with 5 builds running or queued)", "201", Some(schema("BuildDetail")), Some("NewBuild"))
        },
        "/api/builds/{id}": with_parameters(json!({
            "get": operation("One build: status, reason, model, tokens, features, times", "200", Some(schema("BuildDetail")), None),
            "delete": operation("Delete an ended build with its log and its archive (409 while it runs or is being archived)", "204", None, None)
        }), vec![build_id()]),
        "/api/builds/{id}/cancel": with_parameters(json!({
            "post": operation("Stop the agent and every process in its sandbox (409 once ended)", "200", Some(schema("BuildDetail")), None)
        }), vec![build_id()]),
        "/api/builds/{id}/pause": with_parameters(json!({
            "post": operation("Stop the agent, keeping its work directory", "200", Some(schema("BuildDetail")), None)
        }), vec![build_id()]),
        "/api/builds/{id}/resume": with_parameters(json!({
            "post": operation("Queue a paused build again; its limits count afresh", "200", Some(schema("BuildDetail")), None)
        }), vec![build_id()]),
        "/api/builds/{id}/logs": with_parameters(json!({
            "get": {
                "summary": "Log lines after a sequence number, oldest first",
                "parameters": [
                    { "name": "after", "in": "query", "schema": { "type": "integer", "default": 0 } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 5000, "default": 500 } }
                ],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": schema("LogPage") } } } }
            }
        }), vec![build_id()]),
        "/api/builds/{id}/stream": with_parameters(json!({
            "get": {
                "summary": "Server-sent events: `build` messages (id = sequence number; the history after Last-Event-ID first, marked historical, then live), then `complete` when the build has ended and its archive is stored or has failed",
                "responses": { "200": { "description": "OK", "content": { "text/event-stream": { "schema": schema("StreamedBuildEvent") } } } }
            }
        }), vec![build_id()])
    })
}

fn artifact_paths() -> Value {
    let build_id = || id_parameter("id");
    let not_yet = "404 names the archive's state while it is not stored";
    json!({
        "/api/builds/{id}/artifacts": with_parameters(json!({
            "get": {
                "summary": format!("The build's work as a tar.gz attachment named after the spec: streamed (local storage, `Range` honoured) or a redirect to a presigned URL (S3); with `info=true`, its state as JSON. {not_yet}"),
                "parameters": [{ "name": "info", "in": "query", "schema": { "type": "boolean", "default": false } }],
                "responses": merged(error_responses(), json!({
                    "200": { "description": "The archive, or with info=true its state", "content": { "application/gzip": {}, "application/json": { "schema": schema("ArtifactInfo") } } },
                    "206": { "description": "The requested range of the archive" },
                    "302": { "description": "A short-lived presigned URL of the S3 service" }
                }))
            }
        }), vec![build_id()]),
        "/api/builds/{id}/artifacts/manifest": with_parameters(json!({
            "get": operation(&format!("The evidence pack stored beside the archive: every file with its size and sha256, the archive's checksum, features with the test run that proved each, commits, tokens per session, the sandbox policy. {not_yet}"), "200", Some(schema("ArtifactManifest")), None)
        }), vec![build_id()]),
        "/api/builds/{id}/artifacts/retry": with_parameters(json!({
            "post": operation("Upload the archive again after a failure (409 unless the last upload failed)", "202", Some(schema("ArtifactInfo")), None)
        }), vec![build_id()]),
        "/api/builds/{id}/files": with_parameters(json!({
            "get": operation(&format!("The archive's files outside .git/, as the manifest lists them. {not_yet}"), "200", Some(json!({ "type": "object", "properties": { "files": list_of("ManifestFile") } })), None)
        }), vec![build_id()]),
        "/api/builds/{id}/files/{path}": with_parameters(json!({
            "get": {
                "summary": "One file out of the stored archive: text as text/plain, cut at 1 MiB with `X-Content-Truncated: true`; other files as a download",
                "responses": merged(error_responses(), json!({ "200": { "description": "The file", "content": { "text/plain": {}, "application/octet-stream": {} } } }))
            }
        }), vec![build_id(), json!({ "name": "path", "in": "path", "required": true, "schema": { "type": "string" }, "description": "Relative to the work directory, slashes included" })]),
        "/api/storage/{key}": with_parameters(json!({
            "get": {
                "summary": "A download link this server signed (local storage): no session needed until it expires; a changed or expired link answers 403",
                "security": [],
                "parameters": [
                    { "name": "owner", "in": "query", "required": true, "schema": { "type": "string", "format": "uuid" } },
                    { "name": "expires", "in": "query", "required": true, "schema": { "type": "integer" } },
                    { "name": "name", "in": "query", "required": true, "schema": { "type": "string" } },
                    { "name": "signature", "in": "query", "required": true, "schema": { "type": "string" } }
                ],
                "responses": merged(error_responses(), json!({ "200": { "description": "The object, as an attachment" } }))
            }
        }), vec![json!({ "name": "key", "in": "path", "required": true, "schema": { "type": "string" } })])
    })
}

fn artifact_schemas() -> Value {
    let time = json!({ "type": "string", "format": "date-time" });
    let maybe_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let integer = json!({ "type": "integer" });
    let text = json!({ "type": "string" });
    json!({
        "ArtifactInfo": { "type": "object", "properties": {
            "build_id": { "type": "string", "format": "uuid" },
            "state": { "enum": ["none", "pending", "uploading", "stored", "failed", "expired"] },
            "file_name": text, "size_bytes": { "type": ["integer", "null"] }, "sha256": { "type": ["string", "null"] },
            "file_count": { "type": ["integer", "null"] }, "stored_at": maybe_time, "message": { "type": ["string", "null"] }, "expires_at": maybe_time
        } },
        "ManifestFile": { "type": "object", "properties": { "path": text, "size_bytes": integer, "sha256": text, "is_text": { "type": "boolean" } } },
        "ArtifactManifest": { "type": "object", "properties": {
            "format": integer, "build_id": { "type": "string", "format": "uuid" }, "spec_name": text, "status": text,
            "created_at": time, "finished_at": maybe_time, "platform_version": text,
            "archive": { "type": "object", "properties": { "key": text, "size_bytes": integer, "sha256": text, "file_count": integer, "git_files": integer, "git_bytes": integer, "excluded": { "type": "array", "items": text } } },
            "files": list_of("ManifestFile"),
            "features": { "type": "array", "items": { "type": "object", "properties": { "index": integer, "description": text, "category": text, "passes": { "type": "boolean" }, "proof": { "type": ["object", "null"], "properties": { "command": text, "passed": integer, "failed": integer, "exit_code": { "type": ["integer", "null"] }, "at": time } } } } },
            "commits": { "type": "array", "items": { "type": "object", "properties": { "hash": text, "subject": text, "at": time } } },
            "sessions": { "type": "array", "items": { "type": "object", "properties": { "session": integer, "model": text, "input_tokens": integer, "output_tokens": integer } } },
            "model": text, "input_tokens": integer, "output_tokens": integer,
            "sandbox": { "type": "object", "properties": { "isolation": text, "network": text, "allowed_hosts": { "type": "array", "items": text }, "command_timeout_secs": integer, "cpu_seconds": integer, "memory_bytes": integer, "max_processes": integer, "cpu_millis": integer, "disk_bytes": integer } }
        } }
    })
}

fn build_schemas() -> Value {
    let status = json!({ "enum": ["queued", "running", "paused", "completed", "failed", "cancelled"] });
    let time = json!({ "type": "string", "format": "date-time" });
    let maybe_time = json!({ "type": ["string", "null"], "format": "date-time" });
    json!({
        "NewBuild": { "type": "object", "required": ["spec_id"], "properties": { "spec_id": { "type": "string", "format": "uuid" } } },
        "BuildSummary": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "spec_name": { "type": "string" }, "spec_id": { "type": ["string", "null"], "format": "uuid" }, "status": status, "status_reason": { "type": ["string", "null"] }, "features_passing": { "type": "integer" }, "features_total": { "type": "integer" }, "created_at": time, "started_at": maybe_time, "finished_at": maybe_time } },
        "BuildDetail": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "spec_name": { "type": "string" }, "spec_id": { "type": ["string", "null"], "format": "uuid" }, "project_id": { "type": ["string", "null"], "format": "uuid" }, "status": status, "status_reason": { "type": ["string", "null"] }, "resume_at": maybe_time, "spec_content": { "type": "string" }, "provider": { "type": "string" }, "model": { "type": "string" }, "input_tokens": { "type": "integer" }, "output_tokens": { "type": "integer" }, "sessions": { "type": "integer" }, "features_passing": { "type": "integer" }, "features_total": { "type": "integer" }, "last_event_seq": { "type": "integer" }, "created_at": time, "started_at": maybe_time, "finished_at": maybe_time, "updated_at": time } },
        "LogPage": { "type": "object", "properties": { "lines": { "type": "array", "items": { "type": "object", "properties": { "seq": { "type": "integer" }, "at": time, "stream": { "enum": ["stdout", "stderr", "system"] }, "line": { "type": "string" } } } }, "next_after": { "type": ["integer", "null"] } } },
        "StreamedBuildEvent": { "type": "object", "properties": { "seq": { "type": "integer" }, "at": time, "historical": { "type": "boolean" }, "event": { "type": "object", "required": ["type"], "properties": { "type": { "enum": ["phase", "feature_start", "feature_end", "activity", "tool_start", "tool_end", "file", "test_run", "error", "progress", "log", "status", "egress", "session_usage"] } } } } }
    })
}

/// The members of two JSON objects together.
fn merged(mut into: Value, from: Value) -> Value {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
    into
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearerAuth": { "type": "http", "scheme": "bearer", "description": "A personal API token, `ap_…`" },
            "sessionCookie": { "type": "apiKey", "in": "cookie", "name": "agents_session" }
        },
        "responses": {
            "Error": { "description": "Something was wrong; the message says what", "content": { "application/json": { "schema": schema("Error") } } }
        },
        "schemas": merged(merged(merged(schemas(), chat_schemas()), build_schemas()), artifact_schemas())
    })
}

fn schemas() -> Value {
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
        "UserProfile": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "email": { "type": "string" }, "display_name": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" } } },
        "ApiTokenSummary": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "prefix": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" }, "last_used_at": { "type": ["string", "null"], "format": "date-time" } } },
        "CreatedApiToken": { "type": "object", "properties": { "token": schema("ApiTokenSummary"), "secret": { "type": "string" } } },
        "NewToken": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string", "maxLength": 100 } } },
        "NewSpec": { "type": "object", "required": ["name", "content"], "properties": { "name": { "type": "string", "maxLength": 200 }, "content": { "type": "string", "description": "at most 1,048,576 bytes of UTF-8" }, "project_id": { "type": ["string", "null"], "format": "uuid" } } },
        "SpecChanges": { "type": "object", "properties": { "name": { "type": "string" }, "content": { "type": "string" }, "project_id": { "type": ["string", "null"], "format": "uuid", "description": "null unlinks the spec" } } },
        "SpecSummary": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "preview": { "type": "string" }, "size_bytes": { "type": "integer" }, "version": { "type": "integer" }, "project_id": { "type": ["string", "null"], "format": "uuid" }, "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" } } },
        "SpecPage": { "type": "object", "properties": { "items": list_of("SpecSummary"), "total": { "type": "integer" }, "page": { "type": "integer" }, "page_size": { "type": "integer" } } },
        "SpecDetail": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "content": { "type": "string" }, "size_bytes": { "type": "integer" }, "char_count": { "type": "integer" }, "line_count": { "type": "integer" }, "version": { "type": "integer" }, "project": { "type": ["object", "null"], "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" } } }, "chat_id": { "type": ["string", "null"], "format": "uuid" }, "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" } } },
        "SpecVersionSummary": { "type": "object", "properties": { "version": { "type": "integer" }, "name": { "type": "string" }, "size_bytes": { "type": "integer" }, "created_at": { "type": "string", "format": "date-time" } } },
        "SpecVersion": { "type": "object", "properties": { "version": { "type": "integer" }, "name": { "type": "string" }, "content": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" } } },
        "SpecDiff": { "type": "object", "properties": { "from_version": { "type": "integer" }, "to_version": { "type": "integer" }, "added": { "type": "integer" }, "removed": { "type": "integer" }, "lines": { "type": "array", "items": { "type": "object", "properties": { "change": { "enum": ["unchanged", "added", "removed"] }, "text": { "type": "string" }, "old_line": { "type": ["integer", "null"] }, "new_line": { "type": ["integer", "null"] } } } } } },
        "DashboardSummary": { "type": "object", "properties": { "spec_count": { "type": "integer" }, "project_count": { "type": "integer" }, "builds_by_status": { "type": "array", "items": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "integer" }] } }, "recent_specs": list_of("SpecSummary"), "recent_builds": { "type": "array", "items": { "type": "object" } } } },
        "NewProject": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string", "maxLength": 200 }, "description": { "type": "string", "maxLength": 5000 } } },
        "ProjectChanges": { "type": "object", "properties": { "name": { "type": "string" }, "description": { "type": "string" } } },
        "ProjectSummary": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "description": { "type": "string" }, "spec_count": { "type": "integer" }, "build_count": { "type": "integer" }, "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" } } },
        "ProjectDetail": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "description": { "type": "string" }, "specs": list_of("SpecSummary"), "builds": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string", "format": "uuid" }, "status": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" } } } }, "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" } } }
    })
}
