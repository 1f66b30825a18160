//! How the document describes a `text/event-stream` answer: one schema per
//! kind of event, naming it (`event`), with its `id` where it has one and
//! its `data`, JSON text, whose own schema is a component. JSON Schema says
//! that last part with `contentSchema`, which utoipa has no attribute for.

use serde_json::json;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// One kind of event a stream sends.
pub(super) struct StreamedEvent {
    /// The `event` field's values for this kind.
    pub names: &'static [&'static str],
    /// What the `id` field holds, when this kind has one.
    pub id: Option<&'static str>,
    /// The component `data` is, as JSON.
    pub data: &'static str,
}

/// The schema of a stream sending `events`: one of them, each an object of
/// its `event`, `id` and `data` fields.
pub(super) fn event_stream(events: &[StreamedEvent]) -> RefOr<Schema> {
    let kinds = events.iter().map(|kind| {
        let mut object = ObjectBuilder::new()
            .property(
                "event",
                ObjectBuilder::new().schema_type(Type::String).enum_values(Some(kind.names.iter().copied())),
            )
            .required("event")
            .property("data", data_schema(kind.data))
            .required("data");
        if let Some(id) = kind.id {
            object = object
                .property("id", ObjectBuilder::new().schema_type(Type::String).description(Some(id)))
                .required("id");
        }
        object.build()
    });
    Schema::OneOf(kinds.fold(OneOfBuilder::new(), OneOfBuilder::item).build()).into()
}

/// Text that is JSON of the component `component`.
fn data_schema(component: &str) -> ObjectBuilder {
    let mut content_schema = Extensions::default();
    content_schema
        .insert("contentSchema".into(), json!({ "$ref": format!("#/components/schemas/{component}") }));
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!("A `{component}` as JSON.")))
        .content_media_type("application/json")
        .extensions(Some(content_schema))
}
