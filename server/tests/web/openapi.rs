//! `/api/openapi.json` describes the API that exists: every documented
//! operation is routed (no 404 "no such endpoint", no 405), and what it
//! answers, success or error, is what the document promises.

use crate::common;

use common::contract::Contract;
use common::{
    api, create_project, create_spec, create_token, run_sql, sign_up, start_chat, test_app, wait_for_reply,
    As,
};

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_is_served_as_documented() {
    let (app, database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    assert_eq!(contract.document()["openapi"], "3.1.0");

    let user = sign_up(&app, "ada@example.com").await;
    let operations = contract.operations();
    assert!(operations.len() >= 40, "{operations:?}");
    for (method, template) in &operations {
        let operation = contract.operation(method, template);
        {
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
            } else if template.starts_with("/api/webhooks/") {
                let hook =
                    serde_json::json!({ "url": "https://hooks.example.com/doc", "events": ["build.failed"] });
                let created = api(&app, "POST", "/api/webhooks", As::User(&user), Some(hook)).await;
                created.json()["webhook"]["id"].as_str().unwrap().to_owned()
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
                    "spec_id": spec_id, "url": "https://hooks.example.com/doc", "events": ["build.completed"],
                }));
            let response = api(&app, &method.to_uppercase(), &path, As::User(&user), body).await;
            assert!(
                response.status != 405 && !response.body.contains("no such API endpoint"),
                "{method} {template}: {} {}",
                response.status,
                response.body
            );
            // With no worker here, builds leave no archive: those routes say so.
            let expected = if template.starts_with("/api/builds/{id}/artifacts/retry")
                || template.ends_with("/preview/restart")
            {
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
            contract.assert_honoured(method, template, &response);
            if response.status >= 400 {
                assert!(
                    response.json()["error"]["message"].as_str().is_some_and(|m| m.contains("archive")
                        || m.contains("link")
                        || m.contains("work directory")),
                    "{method} {template}: {}",
                    response.body
                );
            }
        }
    }
}

/// Every operation's answers to a caller who is not signed in, to an id that
/// names nothing, and to a body that is not an object are documented too.
#[tokio::test(flavor = "multi_thread")]
async fn error_answers_are_documented_with_their_schema() {
    let (app, _database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    let user = sign_up(&app, "ada@example.com").await;
    let nobody = "01890000-0000-7000-8000-000000000000";
    for (method, template) in contract.operations() {
        let path = template
            .replace("{id}", nobody)
            .replace("{version}", "1")
            .replace("{path}", "README.md")
            .replace("{key}", "builds/nothing/artifacts.tar.gz");
        let takes_body = contract.operation(&method, &template).get("requestBody").is_some();

        let anonymous = api(&app, &method.to_uppercase(), &path, As::Anonymous, None).await;
        let expected = if template.starts_with("/api/storage/") { 403 } else { 401 };
        assert_eq!(anonymous.status, expected, "{method} {template}: {}", anonymous.body);
        contract.assert_honoured(&method, &template, &anonymous);

        if !takes_body && !template.contains('{') {
            continue;
        }
        let body = takes_body.then(|| serde_json::json!(["not", "an", "object"]));
        let answer = api(&app, &method.to_uppercase(), &path, As::User(&user), body).await;
        assert!(answer.status >= 400, "{method} {template} with nothing to act on: {}", answer.body);
        contract.assert_honoured(&method, &template, &answer);
    }
}

/// Each documented text rule and its validator agree on every character of
/// the Basic Multilingual Plane: a one-character text is valid in the
/// document exactly when the server accepts it, and so is a text at its
/// length limit and one past it. The rules are read from the served
/// document, field by field, so a field that states another's limit fails.
#[tokio::test(flavor = "multi_thread")]
async fn documented_text_rules_agree_with_the_validators() {
    use app::model::{accounts, chats, projects, specs};

    let (app, _database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    let schemas = &contract.document()["components"]["schemas"];
    type Accepts = fn(&str) -> bool;
    let spec_name: Accepts = |text| specs::validate_spec_name(text).is_ok();
    let project_name: Accepts = |text| projects::validate_project_name(text).is_ok();
    let description: Accepts = |text| projects::validate_project_description(text).is_ok();
    let rules: [(&str, &str, Accepts, Option<usize>); 11] = [
        ("NewSpecBody", "name", spec_name, Some(specs::MAX_SPEC_NAME_CHARS)),
        ("SpecChanges", "name", spec_name, Some(specs::MAX_SPEC_NAME_CHARS)),
        ("SaveSpecBody", "name", spec_name, Some(specs::MAX_SPEC_NAME_CHARS)),
        ("NewProjectBody", "name", project_name, Some(projects::MAX_PROJECT_NAME_CHARS)),
        ("ProjectChanges", "name", project_name, Some(projects::MAX_PROJECT_NAME_CHARS)),
        ("NewProjectBody", "description", description, Some(projects::MAX_PROJECT_DESCRIPTION_CHARS)),
        ("ProjectChanges", "description", description, Some(projects::MAX_PROJECT_DESCRIPTION_CHARS)),
        (
            "RenameBody",
            "title",
            |text| chats::validate_chat_title(text).is_ok(),
            Some(chats::MAX_CHAT_TITLE_CHARS),
        ),
        (
            "NewToken",
            "name",
            |text| accounts::validate_token_name(text).is_ok(),
            Some(accounts::MAX_TOKEN_NAME_CHARS),
        ),
        // Limited in bytes, which JSON Schema cannot count: no length here.
        ("MessageBody", "message", |text| chats::validate_message(text).is_ok(), None),
        (
            "RefineBody",
            "content",
            |text| specs::validate_spec_content(text).is_ok_and(|spec| !spec.trim().is_empty()),
            None,
        ),
    ];
    for (component, property, accepts, max_chars) in rules {
        let what = format!("{component}.{property}");
        let schema = &schemas[component]["properties"][property];
        assert!(schema.is_object(), "the document has no {what}");
        let validator = jsonschema::validator_for(schema).expect("the documented pattern compiles");
        let documented = |text: &str| validator.is_valid(&serde_json::json!(text));
        for character in '\0'..='\u{ffff}' {
            let text = character.to_string();
            assert_eq!(
                documented(&text),
                accepts(&text),
                "{what}: the one character U+{:04X}",
                u32::from(character)
            );
        }
        let Some(max) = max_chars else { continue };
        for text in [
            "a".repeat(max),
            "a".repeat(max + 1),
            format!(" a{}", "\u{b}".repeat(max - 2)),
            format!(" a{}", "\u{b}".repeat(max - 1)),
        ] {
            assert_eq!(
                documented(&text),
                accepts(&text),
                "{what}: a text of {} characters",
                text.chars().count()
            );
        }
    }
}

/// What client generators trip over is absent: no boolean `items: false`
/// schema, and no id that an empty string would satisfy.
#[tokio::test(flavor = "multi_thread")]
async fn the_document_suits_client_generators() {
    let (app, _database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    let (mut uuids, mut tuples) = (0, 0);
    for object in objects_in(contract.document()) {
        assert_ne!(object.get("items"), Some(&serde_json::Value::Bool(false)), "{object:?}");
        if object.get("format").and_then(|format| format.as_str()) == Some("uuid") {
            uuids += 1;
            assert!(object.get("pattern").is_some(), "an id without a pattern: {object:?}");
        }
        tuples += usize::from(object.contains_key("prefixItems") && object.contains_key("maxItems"));
    }
    assert!(uuids > 20 && tuples >= 1, "{uuids} ids, {tuples} tuples");
    let ids: Vec<_> = contract
        .operations()
        .iter()
        .map(|(method, template)| {
            contract.operation(method, template)["operationId"].as_str().unwrap().to_owned()
        })
        .collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids must be unique: {ids:?}");
}

/// What creates a thing links to what acts on it, handing over the new id
/// (a client, and Schemathesis's stateful tests, follow them), and every
/// link names an operation the document has.
#[tokio::test(flavor = "multi_thread")]
async fn what_creates_a_thing_links_to_what_acts_on_it() {
    let (app, _database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    let document = contract.document();
    let cancel = &document["paths"]["/api/builds"]["post"]["responses"]["201"]["links"]["builds_cancel"];
    assert_eq!(cancel["parameters"]["id"], "$response.body#/id", "{cancel}");
    let webhook = &document["paths"]["/api/webhooks"]["post"]["responses"]["201"]["links"];
    assert!(
        webhook.as_object().is_some_and(|links| links
            .values()
            .all(|link| link["parameters"]["id"] == "$response.body#/webhook/id")),
        "{webhook}"
    );

    let ids: std::collections::BTreeSet<&str> = contract
        .operations()
        .iter()
        .filter_map(|(method, template)| document["paths"][template][method]["operationId"].as_str())
        .collect();
    let links: Vec<&serde_json::Value> = objects_in(document)
        .filter_map(|object| object.get("links")?.as_object())
        .flat_map(|links| links.values())
        .collect();
    assert!(links.len() >= 30, "only {} links", links.len());
    for link in links {
        let target = link["operationId"].as_str().unwrap_or_default();
        assert!(ids.contains(target), "a link to an operation the document lacks: {link}");
    }
}

/// The descriptions come from the code's doc comments, and a client reads
/// them: they speak of JSON (`null`, a field left out), not of Rust.
#[tokio::test(flavor = "multi_thread")]
async fn the_document_speaks_json_not_rust() {
    let (app, _database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    let rust_words = ["`None`", "Some(", "Option<", "Vec<", "[`", "::"];
    let texts = texts_in(contract.document());
    assert!(texts.len() > 50, "only {} descriptions", texts.len());
    for text in texts {
        assert!(!rust_words.iter().any(|word| text.contains(word)), "a description in Rust's terms: {text}");
    }
}

/// Every object in a JSON document, nested ones included.
fn objects_in(
    document: &serde_json::Value,
) -> impl Iterator<Item = &serde_json::Map<String, serde_json::Value>> {
    let mut pending = vec![document];
    std::iter::from_fn(move || {
        while let Some(value) = pending.pop() {
            match value {
                serde_json::Value::Object(object) => {
                    pending.extend(object.values());
                    return Some(object);
                }
                serde_json::Value::Array(items) => pending.extend(items),
                _ => {}
            }
        }
        None
    })
}

/// The limits the descriptions state in words are the server's own: a limit
/// changed in the code but not in its doc comment fails here.
#[tokio::test(flavor = "multi_thread")]
async fn the_limits_the_document_states_are_the_servers() {
    use app::format::group_thousands;
    use app::model::{artifacts, builds, chats, specs};

    let (app, _database) = test_app().await;
    let contract = Contract::served_by(&app).await;
    let texts = texts_in(contract.document());
    let mebibyte = 1024 * 1024;
    assert_eq!(artifacts::MAX_VIEWED_TEXT_BYTES % mebibyte, 0, "the document counts it in whole MiB");
    let spec_bytes = group_thousands(specs::MAX_SPEC_BYTES);
    for stated in [
        format!("Markdown, at most {spec_bytes} bytes of UTF-8"),
        format!("At most {spec_bytes} bytes of UTF-8 (413 beyond)"),
        format!("At most {} bytes of UTF-8 (413 beyond)", group_thousands(chats::MAX_MESSAGE_BYTES)),
        format!(
            "{} by default; at most {1} (more counts as {1})",
            specs::DEFAULT_PAGE_SIZE,
            specs::MAX_PAGE_SIZE
        ),
        format!("{0} at most (more counts as {0})", builds::MAX_BUILD_LIST),
        format!(
            "{} by default, {1} at most (more counts as {1})",
            group_thousands(builds::DEFAULT_LOG_PAGE as usize),
            group_thousands(builds::MAX_LOG_PAGE as usize)
        ),
        format!("ends at {} MiB of events", builds::MAX_LOG_PAGE_BYTES / mebibyte as i64),
        format!("latest {} deliveries", server::webhooks::repo::LISTED_DELIVERIES),
        format!("cut at {} MiB", artifacts::MAX_VIEWED_TEXT_BYTES / mebibyte),
    ] {
        assert!(texts.iter().any(|text| text.contains(&stated)), "no description says \"{stated}\"");
    }
}

/// Every description and summary in a document, where clients read prose.
fn texts_in(document: &serde_json::Value) -> Vec<&str> {
    objects_in(document)
        .flat_map(|object| ["description", "summary"].map(|key| object.get(key)))
        .filter_map(|text| text.and_then(|text| text.as_str()))
        .collect()
}
