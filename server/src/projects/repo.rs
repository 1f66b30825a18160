//! Queries on projects. Every function takes the owner's id and filters by it.

use app::model::projects::{BuildRef, ProjectSummary};
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::builds::repo::BuildRefRow;
use crate::db::schema::{builds, projects};
use crate::db::StoreResult;

const SPEC_COUNT: &str = "(SELECT count(*) FROM app_specs WHERE app_specs.project_id = projects.id)";
const BUILD_COUNT: &str = "(SELECT count(*) FROM builds WHERE builds.project_id = projects.id)";

type SummaryRow = (Uuid, String, String, i64, i64, DateTime<Utc>, DateTime<Utc>);

fn summary(
    (id, name, description, spec_count, build_count, created_at, updated_at): SummaryRow,
) -> ProjectSummary {
    ProjectSummary { id, name, description, spec_count, build_count, created_at, updated_at }
}

/// The owner's projects, most recently changed first, with what they hold.
pub async fn list(connection: &mut AsyncPgConnection, owner_id: Uuid) -> StoreResult<Vec<ProjectSummary>> {
    let rows: Vec<SummaryRow> = projects::table
        .filter(projects::user_id.eq(owner_id))
        .order((projects::updated_at.desc(), projects::id.desc()))
        .select((
            projects::id,
            projects::name,
            projects::description,
            sql::<BigInt>(SPEC_COUNT),
            sql::<BigInt>(BUILD_COUNT),
            projects::created_at,
            projects::updated_at,
        ))
        .load(connection)
        .await?;
    Ok(rows.into_iter().map(summary).collect())
}

/// Name, description and times of the owner's project.
pub async fn find(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<(String, String, DateTime<Utc>, DateTime<Utc>)>> {
    Ok(projects::table
        .filter(projects::id.eq(id))
        .filter(projects::user_id.eq(owner_id))
        .select((projects::name, projects::description, projects::created_at, projects::updated_at))
        .first(connection)
        .await
        .optional()?)
}

pub async fn builds_in_project(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    project_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<BuildRef>> {
    let rows: Vec<BuildRefRow> = builds::table
        .filter(builds::user_id.eq(owner_id))
        .filter(builds::project_id.eq(project_id))
        .order(builds::created_at.desc())
        .limit(limit)
        .select(BuildRefRow::as_select())
        .load(connection)
        .await?;
    Ok(rows.into_iter().map(BuildRef::from).collect())
}

pub async fn insert(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    name: &str,
    description: &str,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(projects::table)
        .values((
            projects::id.eq(id),
            projects::user_id.eq(owner_id),
            projects::name.eq(name),
            projects::description.eq(description),
        ))
        .execute(connection)
        .await?;
    Ok(id)
}

/// Renames and/or describes the owner's project; `false` when there is none.
pub async fn update(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
    name: Option<&str>,
    description: Option<&str>,
) -> StoreResult<bool> {
    let target = projects::table.filter(projects::id.eq(id)).filter(projects::user_id.eq(owner_id));
    let updated = match (name, description) {
        (Some(name), Some(description)) => {
            diesel::update(target)
                .set((projects::name.eq(name), projects::description.eq(description)))
                .execute(connection)
                .await?
        }
        (Some(name), None) => diesel::update(target).set(projects::name.eq(name)).execute(connection).await?,
        (None, Some(description)) => {
            diesel::update(target).set(projects::description.eq(description)).execute(connection).await?
        }
        // Nothing to change: still tell whether the project is the owner's.
        (None, None) => target.count().get_result::<i64>(connection).await? as usize,
    };
    Ok(updated == 1)
}

/// Deletes the owner's project (its specs and builds stay, unlinked by the
/// foreign keys); `false` when there is none.
pub async fn delete(connection: &mut AsyncPgConnection, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
    Ok(diesel::delete(projects::table.filter(projects::id.eq(id)).filter(projects::user_id.eq(owner_id)))
        .execute(connection)
        .await
        .map(|deleted| deleted == 1)?)
}
