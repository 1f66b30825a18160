//! The text rules of the validators (`validate_name`, `validate_message`,
//! …) as OpenAPI schemas, so the API document states exactly what the
//! server accepts: a generated client refuses what the server would.

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

use crate::model::accounts::MAX_TOKEN_NAME_CHARS;
use crate::model::chats::MAX_CHAT_TITLE_CHARS;
use crate::model::projects::{MAX_PROJECT_DESCRIPTION_CHARS, MAX_PROJECT_NAME_CHARS};
use crate::model::specs::MAX_SPEC_NAME_CHARS;

/// Somewhere a character that is neither a control character nor white
/// space (as Rust's `char::is_whitespace` counts it): what the validators
/// call "not blank" once control characters are dropped and the rest trimmed.
pub const VISIBLE_CHARACTER: &str = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// A string with a visible character and at most `max_chars` characters
/// (counted as sent); `null` too when `is_optional`, for "leave it alone".
fn visible_text(max_chars: Option<usize>, is_optional: bool) -> Object {
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
        .build()
}

pub fn spec_name() -> Object {
    visible_text(Some(MAX_SPEC_NAME_CHARS), false)
}

pub fn spec_name_change() -> Object {
    visible_text(Some(MAX_SPEC_NAME_CHARS), true)
}

pub fn project_name() -> Object {
    visible_text(Some(MAX_PROJECT_NAME_CHARS), false)
}

pub fn project_name_change() -> Object {
    visible_text(Some(MAX_PROJECT_NAME_CHARS), true)
}

/// A description may be empty; only its length is limited.
pub fn project_description() -> Object {
    ObjectBuilder::new().schema_type(Type::String).max_length(Some(MAX_PROJECT_DESCRIPTION_CHARS)).build()
}

pub fn project_description_change() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(MAX_PROJECT_DESCRIPTION_CHARS))
        .build()
}

pub fn chat_title() -> Object {
    visible_text(Some(MAX_CHAT_TITLE_CHARS), false)
}

pub fn token_name() -> Object {
    visible_text(Some(MAX_TOKEN_NAME_CHARS), false)
}

/// A message or a draft: limited in bytes (413 beyond), which JSON Schema
/// cannot count, so only "not blank" is stated.
pub fn written_text() -> Object {
    visible_text(None, false)
}
