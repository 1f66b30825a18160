//! Queries on specs and their versions. Every function takes the owner's id
//! and filters by it, so no query can reach another user's spec.

use app::model::specs::{
    preview_of, ProjectRef, SpecDetail, SpecQuery, SpecSummary, SpecVersion, SpecVersionSummary,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::like::contains_pattern;
use crate::db::schema::{app_spec_versions, app_specs, projects};
use crate::db::StoreResult;

/// How much of the content a list reads to make a preview: never the whole spec.
const PREVIEW_SOURCE_CHARS: i32 = 2000;

// Declared rather than written as SQL literals, so the queries that use them
// stay prepared statements PostgreSQL plans once per connection.
diesel::define_sql_function! {
    /// The first `n` characters of `text`.
    fn left(text: Text, n: Integer) -> Text;
}
diesel::define_sql_function! {
    /// The size of `text` in bytes.
    fn octet_length(text: Text) -> Integer;
}

#[derive(Queryable)]
struct SummaryRow {
    id: Uuid,
    name: String,
    head: String,
    size_bytes: i32,
    version: i32,
    project_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SummaryRow> for SpecSummary {
    fn from(row: SummaryRow) -> Self {
        SpecSummary {
            id: row.id,
            name: row.name,
            preview: preview_of(&row.head),
            size_bytes: i64::from(row.size_bytes),
            version: row.version,
            project_id: row.project_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One page of the owner's specs, newest first, and how many match in all,
/// the two queries pipelined on the one connection.
pub async fn list(
    connection: &AsyncPgConnection,
    owner_id: Uuid,
    query: &SpecQuery,
) -> StoreResult<(Vec<SpecSummary>, i64)> {
    let filtered = || {
        let mut specs = app_specs::table.filter(app_specs::user_id.eq(owner_id)).into_boxed();
        if let Some(text) = query.search_text() {
            specs = specs.filter(app_specs::name.ilike(contains_pattern(&text)));
        }
        if let Some(project_id) = query.project_id {
            specs = specs.filter(app_specs::project_id.eq(project_id));
        }
        specs
    };
    let total = filtered().count().get_result::<i64>(&mut &*connection);
    let page_size = i64::from(query.page_size());
    let rows = filtered()
        .order((app_specs::updated_at.desc(), app_specs::id.desc()))
        .limit(page_size)
        .offset(i64::from(query.page() - 1) * page_size)
        .select(summary_columns())
        .load::<SummaryRow>(&mut &*connection);
    let (rows, total) = futures_util::try_join!(rows, total)?;
    Ok((rows.into_iter().map(SpecSummary::from).collect(), total))
}

#[allow(clippy::type_complexity)]
fn summary_columns() -> (
    app_specs::id,
    app_specs::name,
    left<app_specs::content, i32>,
    octet_length<app_specs::content>,
    app_specs::version,
    app_specs::project_id,
    app_specs::created_at,
    app_specs::updated_at,
) {
    (
        app_specs::id,
        app_specs::name,
        left(app_specs::content, PREVIEW_SOURCE_CHARS),
        octet_length(app_specs::content),
        app_specs::version,
        app_specs::project_id,
        app_specs::created_at,
        app_specs::updated_at,
    )
}

/// The owner's specs in one project, newest first (at most `limit`).
pub async fn list_in_project(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    project_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<SpecSummary>> {
    let rows: Vec<SummaryRow> = app_specs::table
        .filter(app_specs::user_id.eq(owner_id))
        .filter(app_specs::project_id.eq(project_id))
        .order((app_specs::updated_at.desc(), app_specs::id.desc()))
        .limit(limit)
        .select(summary_columns())
        .load(connection)
        .await?;
    Ok(rows.into_iter().map(SpecSummary::from).collect())
}

#[derive(Queryable)]
struct DetailRow {
    id: Uuid,
    name: String,
    content: String,
    version: i32,
    project_id: Option<Uuid>,
    project_name: Option<String>,
    chat_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DetailRow> for SpecDetail {
    fn from(row: DetailRow) -> Self {
        let project = match (row.project_id, row.project_name) {
            (Some(id), Some(name)) => Some(ProjectRef { id, name }),
            _ => None,
        };
        SpecDetail {
            id: row.id,
            name: row.name,
            size_bytes: row.content.len() as i64,
            char_count: row.content.chars().count() as i64,
            line_count: if row.content.is_empty() { 0 } else { row.content.lines().count() as i64 },
            content: row.content,
            version: row.version,
            project,
            chat_id: row.chat_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub async fn find(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<SpecDetail>> {
    Ok(app_specs::table
        .left_join(projects::table)
        .filter(app_specs::id.eq(id))
        .filter(app_specs::user_id.eq(owner_id))
        .select((
            app_specs::id,
            app_specs::name,
            app_specs::content,
            app_specs::version,
            app_specs::project_id,
            projects::name.nullable(),
            app_specs::chat_id,
            app_specs::created_at,
            app_specs::updated_at,
        ))
        .first::<DetailRow>(connection)
        .await
        .optional()
        .map(|row| row.map(SpecDetail::from))?)
}

/// The current name, content, version and project of the owner's spec,
/// locked until the transaction ends so two saves cannot take one number.
pub async fn lock_current(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<(String, String, i32, Option<Uuid>)>> {
    Ok(app_specs::table
        .filter(app_specs::id.eq(id))
        .filter(app_specs::user_id.eq(owner_id))
        .select((app_specs::name, app_specs::content, app_specs::version, app_specs::project_id))
        .for_update()
        .first(connection)
        .await
        .optional()?)
}

pub struct SpecRecord<'a> {
    pub name: &'a str,
    pub content: &'a str,
    pub project_id: Option<Uuid>,
    pub chat_id: Option<Uuid>,
}

/// Inserts a spec at version 1, without the version's row (call inside a
/// transaction, then [`insert_version`]).
pub async fn insert(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    spec: SpecRecord<'_>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(app_specs::table)
        .values((
            app_specs::id.eq(id),
            app_specs::user_id.eq(owner_id),
            app_specs::name.eq(spec.name),
            app_specs::content.eq(spec.content),
            app_specs::project_id.eq(spec.project_id),
            app_specs::chat_id.eq(spec.chat_id),
            app_specs::version.eq(1),
        ))
        .execute(connection)
        .await?;
    Ok(id)
}

/// What a version of `name` and `content` takes, as the database adds it
/// to the spec's `stored_bytes` (migration 000019's trigger: the bytes of
/// both, as UTF-8).
pub fn version_bytes(name: &str, content: &str) -> i64 {
    (name.len() + content.len()) as i64
}

/// Keeps a version of the spec (call inside the transaction that checked
/// the quota); the database counts its bytes into the spec's `stored_bytes`.
pub async fn insert_version(
    connection: &mut AsyncPgConnection,
    spec_id: Uuid,
    version: i32,
    name: &str,
    content: &str,
) -> StoreResult<()> {
    Ok(diesel::insert_into(app_spec_versions::table)
        .values((
            app_spec_versions::spec_id.eq(spec_id),
            app_spec_versions::version.eq(version),
            app_spec_versions::name.eq(name),
            app_spec_versions::content.eq(content),
        ))
        .execute(connection)
        .await
        .map(drop)?)
}

/// Writes the spec's current state (call after [`lock_current`]).
pub async fn update_current(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
    name: &str,
    content: &str,
    version: i32,
    project_id: Option<Uuid>,
) -> StoreResult<()> {
    Ok(diesel::update(app_specs::table.filter(app_specs::id.eq(id)).filter(app_specs::user_id.eq(owner_id)))
        .set((
            app_specs::name.eq(name),
            app_specs::content.eq(content),
            app_specs::version.eq(version),
            app_specs::project_id.eq(project_id),
        ))
        .execute(connection)
        .await
        .map(drop)?)
}

/// Deletes the owner's spec; `false` when there is no such spec of theirs.
pub async fn delete(connection: &mut AsyncPgConnection, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
    Ok(diesel::delete(app_specs::table.filter(app_specs::id.eq(id)).filter(app_specs::user_id.eq(owner_id)))
        .execute(connection)
        .await
        .map(|deleted| deleted == 1)?)
}

/// The versions of the owner's spec, newest first; `None` when the spec is not theirs.
pub async fn versions(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<Vec<SpecVersionSummary>>> {
    // One query: every spec has its first version, so none means not theirs.
    let rows: Vec<(i32, String, i32, DateTime<Utc>)> = app_spec_versions::table
        .inner_join(app_specs::table)
        .filter(app_spec_versions::spec_id.eq(id))
        .filter(app_specs::user_id.eq(owner_id))
        .order(app_spec_versions::version.desc())
        .select((
            app_spec_versions::version,
            app_spec_versions::name,
            octet_length(app_spec_versions::content),
            app_spec_versions::created_at,
        ))
        .load(connection)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .map(|(version, name, size_bytes, created_at)| SpecVersionSummary {
                version,
                name,
                size_bytes: i64::from(size_bytes),
                created_at,
            })
            .collect(),
    ))
}

/// One version of the owner's spec.
pub async fn version(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
    version: i32,
) -> StoreResult<Option<SpecVersion>> {
    Ok(app_spec_versions::table
        .inner_join(app_specs::table)
        .filter(app_spec_versions::spec_id.eq(id))
        .filter(app_specs::user_id.eq(owner_id))
        .filter(app_spec_versions::version.eq(version))
        .select((
            app_spec_versions::version,
            app_spec_versions::name,
            app_spec_versions::content,
            app_spec_versions::created_at,
        ))
        .first::<(i32, String, String, DateTime<Utc>)>(connection)
        .await
        .optional()
        .map(|row| {
            row.map(|(version, name, content, created_at)| SpecVersion { version, name, content, created_at })
        })?)
}
