//! The text rules of the validators (`validate_name`, `validate_message`,
//! …) as OpenAPI schemas, so the API document states exactly what the
//! server accepts: a generated client refuses what the server would.

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

use crate::format::group_thousands;

/// Somewhere a character that is neither a control character nor white
/// space (as Rust's `char::is_whitespace` counts it): what the validators
/// call "not blank" once control characters are dropped and the rest trimmed.
pub const VISIBLE_CHARACTER: &str = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// A string with a visible character and at most `MAX_CHARS` characters
/// (counted as sent): a name or a title.
pub fn visible_text<const MAX_CHARS: usize>() -> Object {
    visible(Some(MAX_CHARS), false).build()
}

/// The same, or `null` for "leave it alone".
pub fn visible_text_or_null<const MAX_CHARS: usize>() -> Object {
    visible(Some(MAX_CHARS), true).build()
}

/// A string of at most `MAX_CHARS` characters, empty allowed: a description.
pub fn limited_text<const MAX_CHARS: usize>() -> Object {
    ObjectBuilder::new().schema_type(Type::String).max_length(Some(MAX_CHARS)).build()
}

/// The same, or `null` for "leave it alone".
pub fn limited_text_or_null<const MAX_CHARS: usize>() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(MAX_CHARS))
        .build()
}

/// A message or a draft: limited in bytes (413 beyond), which JSON Schema
/// cannot count, so the limit is said in words and only "not blank" is
/// stated. (A field's doc comment does not reach a schema made here.)
pub fn written_text<const MAX_BYTES: usize>() -> Object {
    visible(None, false)
        .description(Some(format!("At most {} bytes of UTF-8 (413 beyond).", group_thousands(MAX_BYTES))))
        .build()
}

fn visible(max_chars: Option<usize>, is_optional: bool) -> ObjectBuilder {
    let schema_type = if is_optional {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .min_length(Some(1))
        .max_length(max_chars)
        .pattern(Some(VISIBLE_CHARACTER))
}
