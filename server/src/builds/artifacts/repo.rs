//! Queries on `build_artifacts`. What a person reaches takes the owner's id;
//! the archiver's claim and records take its worker id and act only while
//! it holds the claim.

use std::time::Duration;

use app::model::artifacts::ArtifactState;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{build_artifacts, builds};
use crate::db::StoreResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = build_artifacts)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct ArtifactRow {
    pub build_id: Uuid,
    pub state: String,
    pub object_key: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub file_count: Option<i32>,
    pub message: Option<String>,
    pub attempts: i32,
    pub stored_at: Option<DateTime<Utc>>,
}

impl ArtifactRow {
    pub fn state(&self) -> ArtifactState {
        // The column's CHECK constraint admits only these values.
        ArtifactState::parse(&self.state).unwrap_or(ArtifactState::Failed)
    }
}

/// Marks an ended build's work as waiting to be archived (once: an
/// existing row is left as it is).
pub async fn mark_pending(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<()> {
    diesel::insert_into(build_artifacts::table)
        .values((build_artifacts::build_id.eq(build_id), build_artifacts::state.eq("pending")))
        .on_conflict_do_nothing()
        .execute(connection)
        .await?;
    Ok(())
}

/// The owner's build's artifact row, and the build's spec name; `None`
/// when the build is not theirs. The row is `None` while there is none.
pub async fn find(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    build_id: Uuid,
) -> StoreResult<Option<(String, Option<ArtifactRow>)>> {
    Ok(builds::table
        .left_join(build_artifacts::table)
        .filter(builds::id.eq(build_id))
        .filter(builds::user_id.eq(owner_id))
        .select((builds::spec_name, Option::<ArtifactRow>::as_select()))
        .first(connection)
        .await
        .optional()?)
}

/// The build's archive state, `None` when it has no archive row.
pub async fn state(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<Option<ArtifactState>> {
    let state: Option<String> = build_artifacts::table
        .find(build_id)
        .select(build_artifacts::state)
        .first(connection)
        .await
        .optional()?;
    Ok(state.map(|state| ArtifactState::parse(&state).unwrap_or(ArtifactState::Failed)))
}

/// An ended build, and the sessions it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct EndedBuild {
    pub build_id: Uuid,
    /// The sessions the build ran: only a work directory noted with the
    /// last of them holds its work.
    pub sessions: i32,
}

/// Builds whose work waits to be archived: pending, or claimed by a
/// process whose claim ran out. Builds still leased by a runner (stopping
/// after a cancel) wait until it lets go.
pub async fn waiting(connection: &mut AsyncPgConnection, limit: i64) -> StoreResult<Vec<EndedBuild>> {
    Ok(build_artifacts::table
        .inner_join(builds::table)
        .filter(build_artifacts::state.eq("pending").or(
            build_artifacts::state.eq("uploading").and(build_artifacts::claimed_until.lt(diesel::dsl::now)),
        ))
        .filter(builds::lease_owner.is_null().or(builds::lease_expires_at.lt(diesel::dsl::now)))
        .order(build_artifacts::updated_at.asc())
        .limit(limit)
        .select((build_artifacts::build_id, builds::sessions))
        .load(connection)
        .await?)
}

/// Those of `build_ids` whose archive is stored, or was until the retention
/// policy removed it, oldest build first.
pub async fn archived_among(
    connection: &mut AsyncPgConnection,
    build_ids: &[Uuid],
) -> StoreResult<Vec<EndedBuild>> {
    Ok(build_artifacts::table
        .inner_join(builds::table)
        .filter(build_artifacts::build_id.eq_any(build_ids))
        .filter(build_artifacts::state.eq_any(["stored", "expired"]))
        .order(build_artifacts::build_id.asc())
        .select((build_artifacts::build_id, builds::sessions))
        .load(connection)
        .await?)
}

/// Gives up on the archives that have waited since before `cutoff`: no
/// process holds their build's work directory any more (its machine is
/// gone), so they would wait for ever. They are marked failed with
/// `message`, and a retry puts one back in line. Answers how many.
pub async fn give_up_waiting_since(
    connection: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    message: &str,
) -> StoreResult<usize> {
    Ok(diesel::update(build_artifacts::table.filter(build_artifacts::updated_at.lt(cutoff)).filter(
        build_artifacts::state.eq("pending").or(
            build_artifacts::state.eq("uploading").and(build_artifacts::claimed_until.lt(diesel::dsl::now)),
        ),
    ))
    .set((
        build_artifacts::state.eq("failed"),
        build_artifacts::message.eq(message),
        build_artifacts::claimed_by.eq(None::<Uuid>),
        build_artifacts::claimed_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(connection)
    .await?)
}

/// Takes the build's archiving for `worker` for `lease`, if it still waits.
pub async fn claim(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    worker: Uuid,
    lease: Duration,
) -> StoreResult<bool> {
    let claimed = diesel::sql_query(
        "UPDATE build_artifacts
         SET state = 'uploading', claimed_by = $2, claimed_until = now() + make_interval(secs => $3),
             attempts = attempts + 1, message = NULL
         WHERE build_id = $1
           AND (state = 'pending' OR (state = 'uploading' AND claimed_until < now()))",
    )
    .bind::<diesel::sql_types::Uuid, _>(build_id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<Double, _>(lease.as_secs_f64())
    .execute(connection)
    .await?;
    Ok(claimed == 1)
}

/// Extends `worker`'s claim; `false` when it is no longer theirs.
pub async fn renew_claim(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    worker: Uuid,
    lease: Duration,
) -> StoreResult<bool> {
    let renewed = diesel::sql_query(
        "UPDATE build_artifacts SET claimed_until = now() + make_interval(secs => $3)
         WHERE build_id = $1 AND claimed_by = $2 AND state = 'uploading'",
    )
    .bind::<diesel::sql_types::Uuid, _>(build_id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<Double, _>(lease.as_secs_f64())
    .execute(connection)
    .await?;
    Ok(renewed == 1)
}

/// What a finished upload recorded.
pub struct StoredArtifact<'a> {
    pub object_key: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub file_count: i32,
}

pub async fn record_stored(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    worker: Uuid,
    stored: StoredArtifact<'_>,
) -> StoreResult<bool> {
    let updated = diesel::sql_query(
        "UPDATE build_artifacts
         SET state = 'stored', object_key = $3, size_bytes = $4, sha256 = $5, file_count = $6,
             message = NULL, claimed_by = NULL, claimed_until = NULL, stored_at = now()
         WHERE build_id = $1 AND claimed_by = $2 AND state = 'uploading'",
    )
    .bind::<diesel::sql_types::Uuid, _>(build_id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<Text, _>(stored.object_key)
    .bind::<BigInt, _>(stored.size_bytes)
    .bind::<Text, _>(stored.sha256)
    .bind::<Integer, _>(stored.file_count)
    .execute(connection)
    .await?;
    Ok(updated == 1)
}

pub async fn record_failed(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    worker: Uuid,
    message: &str,
) -> StoreResult<bool> {
    let updated = diesel::update(
        build_artifacts::table
            .filter(build_artifacts::build_id.eq(build_id))
            .filter(build_artifacts::claimed_by.eq(worker)),
    )
    .set((
        build_artifacts::state.eq("failed"),
        build_artifacts::message.eq(message),
        build_artifacts::claimed_by.eq(None::<Uuid>),
        build_artifacts::claimed_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(connection)
    .await?;
    Ok(updated == 1)
}

/// The archive's state, its row locked until the transaction ends (`None`
/// without a row): a retry or an archiver's claim waits for the
/// transaction, as the transaction waits for one already under way.
pub async fn lock_state(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
) -> StoreResult<Option<ArtifactState>> {
    let state: Option<String> = build_artifacts::table
        .filter(build_artifacts::build_id.eq(build_id))
        .select(build_artifacts::state)
        .for_update()
        .first(connection)
        .await
        .optional()?;
    // The column's CHECK constraint admits only the states there are.
    Ok(state.map(|state| ArtifactState::parse(&state).unwrap_or(ArtifactState::Failed)))
}

/// Removes the archive's row: with it gone, nothing can retry or claim it.
pub async fn delete_row(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<()> {
    diesel::delete(build_artifacts::table.filter(build_artifacts::build_id.eq(build_id)))
        .execute(connection)
        .await?;
    Ok(())
}

/// Puts a failed upload back in line; `false` unless it had failed.
pub async fn retry(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<bool> {
    let updated = diesel::update(
        build_artifacts::table
            .filter(build_artifacts::build_id.eq(build_id))
            .filter(build_artifacts::state.eq("failed")),
    )
    .set((build_artifacts::state.eq("pending"), build_artifacts::message.eq(None::<String>)))
    .execute(connection)
    .await?;
    Ok(updated == 1)
}

/// Stored artifacts older than `cutoff`, oldest first.
pub async fn stored_before(
    connection: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Uuid>> {
    Ok(build_artifacts::table
        .filter(build_artifacts::state.eq("stored"))
        .filter(build_artifacts::stored_at.lt(cutoff))
        .order(build_artifacts::stored_at.asc())
        .limit(limit)
        .select(build_artifacts::build_id)
        .load(connection)
        .await?)
}

pub async fn record_expired(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    message: &str,
) -> StoreResult<()> {
    diesel::update(
        build_artifacts::table
            .filter(build_artifacts::build_id.eq(build_id))
            .filter(build_artifacts::state.eq("stored")),
    )
    .set((build_artifacts::state.eq("expired"), build_artifacts::message.eq(message)))
    .execute(connection)
    .await?;
    Ok(())
}

/// One kind of event of a build, oldest first, for the evidence pack.
#[derive(QueryableByName)]
pub struct EvidenceEvent {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub payload: serde_json::Value,
}

/// The events that prove features and count tokens: test runs, feature
/// ends and session usage, at most `limit`.
pub async fn evidence_events(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<EvidenceEvent>> {
    Ok(diesel::sql_query(
        "SELECT seq, created_at, payload FROM build_events
         WHERE build_id = $1 AND kind IN ('test_run', 'feature_end', 'session_usage')
         ORDER BY seq LIMIT $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(build_id)
    .bind::<BigInt, _>(limit)
    .load(connection)
    .await?)
}
