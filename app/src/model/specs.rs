//! App specifications: the documents builds are made from. The types the
//! browser and server share and the limits both enforce.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::format::{byte_size, group_thousands};

/// The product's limit for a spec: 1 MiB of UTF-8.
pub const MAX_SPEC_BYTES: usize = 1_048_576;
pub const MAX_SPEC_NAME_CHARS: usize = 200;
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 24;
/// How much of a spec a card shows.
pub const PREVIEW_LINES: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectRef {
    pub id: Uuid,
    pub name: String,
}

/// A spec as a card or a list row shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SpecSummary {
    pub id: Uuid,
    pub name: String,
    /// The first few lines.
    pub preview: String,
    pub size_bytes: i64,
    pub version: i32,
    pub project_id: Option<Uuid>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// What every way in says of a spec the caller cannot see: missing,
/// deleted and someone else's alike (and a malformed id, which names none).
pub fn spec_not_found() -> AppError {
    AppError::NotFound("There is no such spec. It may have been deleted.".into())
}

/// A version the spec does not have (versions count from 1).
pub fn version_not_found(version: impl std::fmt::Display) -> AppError {
    AppError::NotFound(format!("This spec has no version {version}. Pick one from its history."))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SpecDetail {
    pub id: Uuid,
    pub name: String,
    pub content: String,
    pub size_bytes: i64,
    pub char_count: i64,
    pub line_count: i64,
    pub version: i32,
    pub project: Option<ProjectRef>,
    pub chat_id: Option<Uuid>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// A spec as its page shows it: the spec and its Markdown rendered to safe
/// HTML, so the page needs no Markdown parser of its own. Nested, like
/// `BuildPage`, to keep a buffered second deserializer out of the WASM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecPage {
    pub spec: SpecDetail,
    pub rendered_html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SpecVersionSummary {
    pub version: i32,
    pub name: String,
    pub size_bytes: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SpecVersion {
    pub version: i32,
    pub name: String,
    pub content: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
}

/// One line of a line-by-line comparison of two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
    /// Line number in the older version (none for an added line).
    pub old_line: Option<i64>,
    /// Line number in the newer version (none for a removed line).
    pub new_line: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Unchanged,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SpecDiff {
    pub from_version: i32,
    pub to_version: i32,
    pub added: i64,
    pub removed: i64,
    /// The changed lines, each with up to three unchanged lines around it;
    /// where the line numbers jump, unchanged lines are left out.
    pub lines: Vec<DiffLine>,
    /// Lines of the comparison past the most one answer lists (5,000);
    /// `added` and `removed` count them too.
    pub lines_left_out: i64,
}

/// The most lines one comparison lists.
pub const MAX_DIFF_LINES: usize = 5_000;

/// One page of a list, with what is needed to draw the pager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        let pages = (self.total.max(0) as u64).div_ceil(u64::from(self.page_size.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }
}

/// Which specs to list: a name search, a page (from 1), a page size (≤ 100).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct SpecQuery {
    /// Part of the name, in any case.
    pub search: Option<String>,
    /// From 1 (0 counts as 1).
    #[cfg_attr(feature = "ssr", param(format = Int64, maximum = 4294967295_u64))]
    pub page: Option<u32>,
    /// 24 by default; at most 100 (more counts as 100).
    #[cfg_attr(feature = "ssr", param(format = Int64, maximum = 4294967295_u64))]
    pub page_size: Option<u32>,
    pub project_id: Option<Uuid>,
}

impl SpecQuery {
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn page_size(&self) -> u32 {
        self.page_size.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
    }

    pub fn search_text(&self) -> Option<String> {
        search_text_of(self.search.as_deref())
    }
}

/// What a search box held, without control characters (names hold none,
/// and PostgreSQL text cannot hold NUL), trimmed; `None` when nothing is left.
pub fn search_text_of(search: Option<&str>) -> Option<String> {
    let text: String = search?.chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A new spec that passed every rule: [`NewSpec::parse`] is the only way
/// to get one, so no door to the service can skip a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpec {
    name: String,
    content: String,
    project_id: Option<Uuid>,
    chat_id: Option<Uuid>,
}

impl NewSpec {
    /// Cleans and checks a name and content (the content first: a too-large
    /// paste is the error a person most needs to see).
    pub fn parse(
        name: &str,
        content: &str,
        project_id: Option<Uuid>,
        chat_id: Option<Uuid>,
    ) -> Result<Self, AppError> {
        let content = validate_spec_content(content)?;
        Ok(Self { name: validate_spec_name(name)?, content, project_id, chat_id })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn content(&self) -> &str {
        &self.content
    }

    pub fn project_id(&self) -> Option<Uuid> {
        self.project_id
    }

    pub fn chat_id(&self) -> Option<Uuid> {
        self.chat_id
    }
}

/// What an update changes: a field left out or `null` stays as it is,
/// except `project_id`, where `null` unlinks the spec from its project.
// The doc above is the API document's. The service checks the changes
// (`validate_spec_changes`) whichever door they came through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SpecChanges {
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::text_schemas::visible_text_or_null::<MAX_SPEC_NAME_CHARS>))]
    pub name: Option<String>,
    pub content: Option<String>,
    #[serde(default, deserialize_with = "deserialize_present")]
    pub project_id: Option<Option<Uuid>>,
    /// The version these changes were made on. When the spec has moved on
    /// since (saved from another tab, say), nothing is saved: 409.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    #[serde(default, deserialize_with = "deserialize_whole_number")]
    pub base_version: Option<i32>,
}

/// A whole number as JSON Schema counts one: `3`, or `3.0`.
fn deserialize_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i32>, D::Error> {
    let Some(number) = Option::<f64>::deserialize(deserializer)? else { return Ok(None) };
    let is_whole = number.fract() == 0.0 && (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&number);
    match is_whole {
        true => Ok(Some(number as i32)),
        false => Err(serde::de::Error::custom(format!(
            "expected a whole number from 1 to {}, not {number}",
            i32::MAX
        ))),
    }
}

/// Tells a field sent as `null` (unlink) from a field left out (keep).
fn deserialize_present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(deserializer).map(Some)
}

/// Removes control characters other than tab and newline (a carriage return
/// included, so CRLF text becomes LF). Everything else is kept byte for byte.
pub fn clean_text(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || *c == '\t' || *c == '\n').collect()
}

pub fn validate_spec_name(name: &str) -> Result<String, AppError> {
    validate_name(name, "spec", MAX_SPEC_NAME_CHARS)
}

/// A name on one line, cleaned and trimmed: at most `max_chars` characters
/// as sent (the limit the API documents), at least one of them visible. The
/// errors call the thing `noun` ("spec", "project").
pub fn validate_name(name: &str, noun: &str, max_chars: usize) -> Result<String, AppError> {
    let length = name.chars().count();
    let name = clean_text(name).replace(['\t', '\n'], " ");
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid(format!("Please give the {noun} a name.")));
    }
    if length > max_chars {
        return Err(AppError::Invalid(format!(
            "A {noun} name has at most {max_chars} characters; this one has {length}."
        )));
    }
    Ok(name.to_owned())
}

/// Cleans spec content and checks it against the 1 MiB limit (413 when over,
/// naming both sizes: nothing is ever cut off to fit).
pub fn validate_spec_content(content: &str) -> Result<String, AppError> {
    let content = clean_text(content);
    if content.len() > MAX_SPEC_BYTES {
        return Err(AppError::TooLarge(format!(
            "The spec is {} bytes ({}); the limit is {} bytes (1 MiB). Shorten it and save again.",
            group_thousands(content.len()),
            byte_size(content.len() as i64),
            group_thousands(MAX_SPEC_BYTES),
        )));
    }
    Ok(content)
}

/// Checks what an update sets, leaving untouched fields alone.
pub fn validate_spec_changes(changes: SpecChanges) -> Result<SpecChanges, AppError> {
    Ok(SpecChanges {
        content: changes.content.as_deref().map(validate_spec_content).transpose()?,
        name: changes.name.as_deref().map(validate_spec_name).transpose()?,
        project_id: changes.project_id,
        base_version: changes.base_version,
    })
}

/// The first lines of a spec, for cards.
pub fn preview_of(content: &str) -> String {
    content.lines().filter(|line| !line.trim().is_empty()).take(PREVIEW_LINES).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_version_is_read_as_json_schema_counts_integers() {
        let read = |json: &str| serde_json::from_str::<SpecChanges>(json).map(|changes| changes.base_version);
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"base_version": null}"#).unwrap(), None);
        assert_eq!(read(r#"{"base_version": 350}"#).unwrap(), Some(350));
        assert_eq!(read(r#"{"base_version": 350.0}"#).unwrap(), Some(350));
        for refused in ["2.5", "1e10", "\"3\""] {
            assert!(read(&format!(r#"{{"base_version": {refused}}}"#)).is_err(), "{refused}");
        }
    }

    #[test]
    fn control_characters_go_but_tabs_newlines_and_unicode_stay() {
        assert_eq!(clean_text("a\tb\r\nc\u{0}d\u{7}é✓\u{1b}[0m"), "a\tb\ncdé✓[0m");
    }

    #[test]
    fn a_spec_of_exactly_one_mebibyte_is_accepted_and_one_byte_more_is_not() {
        let exact = "x".repeat(MAX_SPEC_BYTES);
        assert_eq!(validate_spec_content(&exact).unwrap().len(), MAX_SPEC_BYTES);
        let error = validate_spec_content(&format!("{exact}y")).unwrap_err();
        assert_eq!(error.status_code(), 413);
        assert_eq!(
            error.to_string(),
            "The spec is 1,048,577 bytes (1.00 MiB); the limit is 1,048,576 bytes (1 MiB). Shorten it and save again."
        );
    }

    #[test]
    fn names_are_trimmed_single_line_and_at_most_200_characters() {
        assert_eq!(validate_spec_name("  Todo\tapp\n ").unwrap(), "Todo app");
        assert_eq!(validate_spec_name(" \u{7} ").unwrap_err().status_code(), 422);
        assert!(validate_spec_name(&"é".repeat(200)).is_ok());
        assert!(validate_spec_name(&"é".repeat(201)).unwrap_err().to_string().contains("this one has 201"));
    }

    #[test]
    fn page_sizes_are_clamped_and_pages_start_at_one() {
        let query = SpecQuery { page: Some(0), page_size: Some(1000), ..SpecQuery::default() };
        assert_eq!((query.page(), query.page_size()), (1, 100));
        let page = Page::<()> { items: vec![], total: 201, page: 1, page_size: 100 };
        assert_eq!(page.page_count(), 3);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::clean_text;

    proptest! {
        #[test]
        fn cleaned_text_keeps_no_control_but_tab_and_newline_and_cleaning_again_changes_nothing(text in "\\PC{0,40}|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}a é]{0,40}") {
            let cleaned = clean_text(&text);
            prop_assert!(cleaned.chars().all(|c| !c.is_control() || c == '\t' || c == '\n'));
            prop_assert_eq!(clean_text(&cleaned), cleaned.clone());
            let kept: String = text.chars().filter(|c| !c.is_control()).collect();
            let kept_of_cleaned: String = cleaned.chars().filter(|c| !c.is_control()).collect();
            prop_assert_eq!(kept, kept_of_cleaned, "visible text is kept as it was");
        }
    }
}
