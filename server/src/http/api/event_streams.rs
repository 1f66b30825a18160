//! How the document describes a `text/event-stream` answer: one schema per
//! kind of event, its `data` JSON text of a component (`contentSchema`).

use std::borrow::Cow;

use serde_json::json;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

/// One kind of event a stream sends.
pub(super) struct StreamedEvent {
    /// The `event` field's values for this kind.
    names: &'static [&'static str],
    /// What the `id` field holds, when this kind has one.
    id: Option<&'static str>,
    /// The component `data` is, as JSON.
    data: Cow<'static, str>,
}

impl StreamedEvent {
    /// Events named `names`, whose data is a `Data`.
    pub(super) fn of<Data: ToSchema>(names: &'static [&'static str], id: Option<&'static str>) -> Self {
        StreamedEvent { names, id, data: Data::name() }
    }
}

/// Puts `Data` (and what it refers to) in the document's components: a
/// stream's data is named only by its `contentSchema`.
pub(super) fn add_component<Data: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((Data::name().into_owned(), Data::schema()));
    Data::schemas(schemas);
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
            .property("data", data_schema(&kind.data))
            .required("data")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        if let Some(id) = kind.id {
            object = object
                .property("id", ObjectBuilder::new().schema_type(Type::String).description(Some(id)))
                .required("id");
        }
        object.build()
    });
    Schema::OneOf(kinds.fold(OneOfBuilder::new(), OneOfBuilder::item).build()).into()
}

/// Text that is JSON of the component `component`. utoipa's extensions are
/// meant for `x-` keys; `contentSchema` goes in through them, which holds
/// since the document is only ever written, never read back by utoipa.
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
