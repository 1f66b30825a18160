//! The API's OpenAPI document as a contract the tests hold real answers to:
//! the status must be one the operation documents, the content type one that
//! status documents, and a JSON body must validate against its schema.

use axum::Router;
use serde_json::{json, Value};

use super::{api, As, TestResponse};

pub struct Contract {
    document: Value,
}

impl Contract {
    /// The document the app serves, as a client would read it.
    pub async fn served_by(app: &Router) -> Self {
        let response = api(app, "GET", "/api/openapi.json", As::Anonymous, None).await;
        assert_eq!(response.status, 200, "the description is public: {}", response.body);
        Self { document: response.json() }
    }

    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Every documented `(method, path template)`, e.g. `("post", "/api/specs")`.
    pub fn operations(&self) -> Vec<(String, String)> {
        let paths = self.document["paths"].as_object().expect("the document has paths");
        paths
            .iter()
            .flat_map(|(template, item)| {
                let methods = item.as_object().expect("a path item is an object");
                methods
                    .keys()
                    .filter(|method| ["get", "post", "put", "patch", "delete"].contains(&method.as_str()))
                    .map(move |method| (method.clone(), template.clone()))
            })
            .collect()
    }

    pub fn operation(&self, method: &str, template: &str) -> &Value {
        let operation = &self.document["paths"][template][method.to_lowercase()];
        assert!(operation.is_object(), "{method} {template} is not documented");
        operation
    }

    /// Panics, saying what differs, unless `response` is an answer the
    /// document promises for this operation.
    pub fn assert_honoured(&self, method: &str, template: &str, response: &TestResponse) {
        let operation = self.operation(method, template);
        let status = response.status.to_string();
        let promised = operation["responses"].get(&status).unwrap_or_else(|| {
            panic!("{method} {template} answered {status}, which it does not document: {}", response.body)
        });
        let promised = self.resolved(promised);
        if response.bytes.is_empty() {
            return;
        }
        let content_type = response
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .unwrap_or_default()
            .trim();
        let content = promised["content"].get(content_type).unwrap_or_else(|| {
            panic!("{method} {template} answered {status} as {content_type:?}, which it does not document: {promised}")
        });
        if content_type == "application/json" {
            let errors = self.schema_violations(&content["schema"], &response.json());
            assert!(
                errors.is_empty(),
                "{method} {template} answered {status} with a body its schema refuses:\n{}\n{}",
                errors.join("\n"),
                response.body
            );
        }
        if content_type == "text/event-stream" {
            self.assert_events_honoured(method, template, &content["schema"], &response.body);
        }
    }

    /// Each server-sent event must be as the stream's schema says (its
    /// `event`, `id` and `data`), and its data, JSON text, as the component
    /// the schema of its kind of event names (`contentSchema`).
    fn assert_events_honoured(&self, method: &str, template: &str, schema: &Value, body: &str) {
        let events = server_sent_events(body);
        assert!(!events.is_empty(), "{method} {template} sent no event: {body:?}");
        let kinds = self.resolved(schema)["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {template}: a stream's schema is one of its kinds of event"));
        for event in events {
            let errors = self.schema_violations(schema, &event);
            assert!(
                errors.is_empty(),
                "{method} {template} sent an event its schema refuses:\n{}\n{event}",
                errors.join("\n")
            );
            let name = &event["event"];
            let data_schema = kinds
                .iter()
                .find(|kind| {
                    kind["properties"]["event"]["enum"].as_array().is_some_and(|names| names.contains(name))
                })
                .map(|kind| &kind["properties"]["data"]["contentSchema"])
                .filter(|data_schema| !data_schema.is_null())
                .unwrap_or_else(|| {
                    panic!("{method} {template} sent an event no kind names with its data's schema: {event}")
                });
            let data: Value = serde_json::from_str(event["data"].as_str().unwrap_or_default())
                .unwrap_or_else(|error| {
                    panic!("{method} {template}: an event's data is not JSON ({error}): {event}")
                });
            let errors = self.schema_violations(data_schema, &data);
            assert!(
                errors.is_empty(),
                "{method} {template}: {name} data that {data_schema} refuses:\n{}\n{data}",
                errors.join("\n")
            );
        }
    }

    /// What in `instance` the schema refuses; its `$ref`s point into the document.
    pub fn schema_violations(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.document["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::validator_for(&root).unwrap_or_else(|error| panic!("{error}: {schema}"));
        validator
            .iter_errors(instance)
            .map(|error| format!("at {}: {error}", error.instance_path()))
            .collect()
    }

    /// A `{"$ref": "#/components/…"}` as what it refers to.
    fn resolved<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(reference) => {
                let pointer =
                    reference.strip_prefix('#').unwrap_or_else(|| panic!("a local reference: {reference}"));
                self.document.pointer(pointer).unwrap_or_else(|| panic!("{reference} is not in the document"))
            }
            None => value,
        }
    }
}

/// The events of a `text/event-stream` body, each as `{"event", "id",
/// "data"}` with only the fields it had; comments (keep-alives) are skipped.
fn server_sent_events(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = serde_json::Map::new();
            let mut data: Vec<&str> = Vec::new();
            for line in block.lines().filter(|line| !line.starts_with(':')) {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "data" => data.push(value),
                    "event" | "id" => {
                        event.insert(field.to_owned(), Value::String(value.to_owned()));
                    }
                    _ => {}
                }
            }
            if data.is_empty() && event.is_empty() {
                return None;
            }
            event.insert("data".to_owned(), Value::String(data.join("\n")));
            Some(Value::Object(event))
        })
        .collect()
}
