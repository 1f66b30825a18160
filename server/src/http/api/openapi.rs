//! The OpenAPI 3.1 document of the REST API, served at `/api/openapi.json`.
//! Its operations come from the handlers' `#[utoipa::path]` attributes as
//! `api::router` registers them, and its schemas from the shared types'
//! `ToSchema` derives, so a route cannot exist undocumented nor a schema
//! differ from what is sent. This module adds what every operation shares:
//! authentication and the error answers its extractors can give; and the
//! links from what creates a thing to what acts on it.

use serde_json::{Map, Value};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi, PartialSchema, ToResponse, ToSchema};

use crate::auth::sessions::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use crate::http::api::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Autonomous Agents Platform API",
        description = "Specs, chats with the spec assistant, builds and their archives, projects and your account. \
            Authenticate with a personal API token (Settings → API tokens) sent as `Authorization: Bearer <token>`, \
            or with the browser session. Errors are `{\"error\": {\"code\", \"message\"}}`; another user's \
            resource answers 404, like a missing one."
    ),
    security(("bearerAuth" = []), ("sessionCookie" = [])),
    components(schemas(ErrorBody, ErrorDetail), responses(RateLimited))
)]
struct Header;

/// A limit was reached; `Retry-After` says in how many seconds to try again.
/// Every answer of the API carries the `X-RateLimit-*` headers of its
/// per-minute request limit.
#[derive(ToResponse)]
#[expect(dead_code, reason = "only its type is read, for the response's schema")]
#[response(headers(
    ("retry-after" = u64, description = "Seconds until a new attempt can succeed"),
    ("x-ratelimit-limit" = u32, description = "Requests allowed per minute"),
    ("x-ratelimit-remaining" = u32, description = "Requests left right now"),
    ("x-ratelimit-reset" = u64, description = "Unix time (seconds) at which the whole allowance is back"),
))]
pub struct RateLimited(#[to_schema] ErrorBody);

/// Bytes as stored, the schema of binary answers (an archive, a file).
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).content_media_type("application/octet-stream").into()
    }
}

impl ToSchema for Binary {}

/// The document for the operations `routes` collected, served under
/// `prefix`: the header above, the authentication schemes, and the shared
/// error answers.
pub fn document(prefix: &str, routes: utoipa::openapi::OpenApi) -> Value {
    let mut document = Header::openapi().nest_with_path_composer(prefix, routes, |prefix, axum_path| {
        // A catch-all `{*path}` is a plain `{path}` to OpenAPI.
        format!("{prefix}{}", axum_path.replace("{*", "{"))
    });
    let components = document.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "bearerAuth".into(),
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("A personal API token, `ap_…`"))
                .build(),
        ),
    );
    components.security_schemes.insert(
        "sessionCookie".into(),
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            SESSION_COOKIE.to_owned(),
            format!("The cookie signing in sets; `{SECURE_SESSION_COOKIE}` on a server reached over https"),
        ))),
    );
    let error = ResponseBuilder::new()
        .description("Something was wrong; the message says what")
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build(),
        )
        .build();
    components.responses.insert("Error".into(), RefOr::T(error));

    for item in document.paths.paths.values_mut() {
        for (method, operation) in operations(item) {
            add_error_answers(method, operation);
            qualify_operation_id(operation);
        }
    }
    let mut document = serde_json::to_value(&document).expect("an OpenAPI document is plain JSON");
    for_each_object(&mut document, &mut |object| {
        spell_out_uuid(object);
        bound_tuple(object);
    });
    link_what_is_created(&mut document, prefix);
    document
}

/// The collections whose `POST` creates something, and where its answer
/// holds the new thing's id.
const CREATED: [(&str, &str); 5] = [
    ("/specs", "/id"),
    ("/projects", "/id"),
    ("/chats", "/id"),
    ("/builds", "/id"),
    ("/webhooks", "/webhook/id"),
];

/// Links each creating operation's answer to the operations on what it
/// created (`/builds` → `/builds/{id}/cancel`, …), its id as their `id`: a
/// client, and Schemathesis's stateful tests, follow them with a real id.
fn link_what_is_created(document: &mut Value, prefix: &str) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (collection, id_pointer) in CREATED {
        let collection = format!("{prefix}{collection}");
        let one = format!("{collection}/{{id}}");
        let links: Map<String, Value> = paths
            .iter()
            .filter(|(path, _)| path.as_str() == one || path.starts_with(&format!("{one}/")))
            .flat_map(|(_, item)| item.as_object().into_iter().flat_map(|methods| methods.values()))
            .filter_map(|operation| operation.get("operationId")?.as_str())
            .map(|operation_id| {
                let link = serde_json::json!({
                    "operationId": operation_id,
                    "parameters": { "id": format!("$response.body#{id_pointer}") },
                });
                (operation_id.to_owned(), link)
            })
            .collect();
        let created = paths.get_mut(&collection).and_then(|item| item.pointer_mut("/post/responses/201"));
        if let (Some(Value::Object(created)), false) = (created, links.is_empty()) {
            created.insert("links".into(), Value::Object(links));
        }
    }
}

/// Calls `visit` on every JSON object in `value`, outermost first.
fn for_each_object(value: &mut Value, visit: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(object) => {
            visit(object);
            object.values_mut().for_each(|value| for_each_object(value, visit));
        }
        Value::Array(items) => items.iter_mut().for_each(|value| for_each_object(value, visit)),
        _ => {}
    }
}

/// A tuple's schema says "no items past these" with `maxItems` rather than
/// `items: false`, a boolean schema many client generators cannot read.
fn bound_tuple(schema: &mut Map<String, Value>) {
    let tuple_length = schema.get("prefixItems").and_then(Value::as_array).map(Vec::len);
    if let (Some(length), Some(Value::Bool(false))) = (tuple_length, schema.get("items")) {
        schema.remove("items");
        schema.insert("maxItems".into(), length.into());
    }
}

/// The canonical, hyphenated form of a UUID, the one this API writes.
const UUID_PATTERN: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Gives a `format: uuid` string a pattern: JSON Schema treats formats as
/// annotations only, so without it "" would be a valid id.
fn spell_out_uuid(schema: &mut Map<String, Value>) {
    if schema.get("format").and_then(Value::as_str) == Some("uuid") && !schema.contains_key("pattern") {
        schema.insert("pattern".into(), UUID_PATTERN.into());
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("post", item.post.as_mut()),
        ("patch", item.patch.as_mut()),
        ("put", item.put.as_mut()),
        ("delete", item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

/// Prefixes the handler's name with its tag (`specs_list`, `builds_list`):
/// operation ids must be unique, and generated clients name methods after them.
fn qualify_operation_id(operation: &mut Operation) {
    let tag = operation.tags.as_ref().and_then(|tags| tags.first());
    if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
}

/// The error answers an operation can give whatever it does, from how it is
/// reached: the sign-in check, the id in its path, its query, its body, the
/// cross-site check on changes, the request limit, and the database being
/// away. What only some operations answer (409, …) their own attributes say.
fn add_error_answers(method: &str, operation: &mut Operation) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_path_id = parameters.iter().any(|parameter| parameter.parameter_in == ParameterIn::Path);
    let has_query = parameters.iter().any(|parameter| parameter.parameter_in == ParameterIn::Query);
    let is_public = operation.security.as_ref().is_some_and(|requirements| {
        requirements.iter().all(|requirement| requirement == &Default::default())
    });

    // Every request counts against the per-minute limit (by address before sign-in).
    operation
        .responses
        .responses
        .entry("429".into())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name("RateLimited")));
    let mut statuses = vec!["500", "503"];
    if is_public {
        // Its own attributes say all it answers: it has its own rules.
        return add_statuses(operation, &statuses);
    }
    statuses.push("401");
    if has_path_id {
        statuses.push("404");
    }
    if has_query {
        statuses.push("422");
    }
    if operation.request_body.is_some() {
        statuses.extend(["400", "413", "415", "422"]);
    }
    if method != "get" {
        // A request signed in by cookie from another site.
        statuses.push("403");
    }
    add_statuses(operation, &statuses);
}

fn add_statuses(operation: &mut Operation, statuses: &[&str]) {
    for &status in statuses {
        operation
            .responses
            .responses
            .entry(status.into())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Error")));
    }
}
