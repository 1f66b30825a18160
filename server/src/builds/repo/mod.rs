//! Queries on builds and their events. Functions a person reaches take the
//! owner's id and filter by it; the queue's functions (claim, lease, finish)
//! take the worker's id and act only while it holds the lease. The
//! history's own queries (append, read, fold) are in [`events`].

mod events;
mod state;

pub use self::events::*;
pub use self::state::fold_state;

use std::time::Duration;

use app::model::builds::{BuildDetail, BuildQuery, BuildStatus, BuildSummary};
use app::model::projects::BuildRef;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::like::contains_pattern;
use crate::db::schema::builds;
use crate::db::StoreResult;

/// A build in a short list, as `.select(BuildRefRow::as_select())` reads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = builds, check_for_backend(diesel::pg::Pg))]
pub struct BuildRefRow {
    id: Uuid,
    spec_name: String,
    status: String,
    features_passing: i32,
    features_total: i32,
    created_at: DateTime<Utc>,
}

impl From<BuildRefRow> for BuildRef {
    fn from(row: BuildRefRow) -> Self {
        BuildRef {
            id: row.id,
            spec_name: row.spec_name,
            status: row.status,
            features_passing: row.features_passing,
            features_total: row.features_total,
            created_at: row.created_at,
        }
    }
}

/// Postgres' NOTIFY channel: `<build id>:<last seq>` after events commit.
pub const EVENTS_CHANNEL: &str = "build_events";
/// `<build id>` when a person cancels or pauses a build, so the process
/// running it stops at once; empty when a build was queued.
pub const CONTROL_CHANNEL: &str = "build_control";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = builds)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct BuildRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub project_id: Option<Uuid>,
    pub app_spec_id: Option<Uuid>,
    pub status: String,
    pub spec_content: String,
    pub spec_name: String,
    pub status_reason: Option<String>,
    pub provider: String,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub sessions: i32,
    pub stalled_sessions: i32,
    pub features_passing: i32,
    pub features_total: i32,
    pub active_secs: i64,
    pub limits_from_tokens: i64,
    pub limits_from_sessions: i32,
    pub limits_from_secs: i64,
    pub resume_at: Option<DateTime<Utc>>,
    pub last_event_seq: i64,
    /// The session whose initializer finished the plan: coding sessions may
    /// follow from a work directory as of it or later. `None` until then,
    /// and again after an initializer that did not finish.
    pub planned_in_session: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl BuildRow {
    pub fn status(&self) -> BuildStatus {
        // The column's CHECK constraint admits only these values.
        BuildStatus::parse(&self.status).unwrap_or(BuildStatus::Failed)
    }

    pub fn tokens(&self) -> i64 {
        self.input_tokens + self.output_tokens
    }

    /// The build as its page shows it, with the token budget in force and
    /// the cost estimate of its tokens (see `service::Spending`).
    pub fn into_detail(self, token_budget: i64, cost_estimate_micro_usd: Option<i64>) -> BuildDetail {
        let budget_used = (self.tokens() - self.limits_from_tokens).max(0);
        BuildDetail {
            token_budget,
            budget_used,
            cost_estimate_micro_usd,
            active_secs: self.active_secs,
            id: self.id,
            status: self.status(),
            spec_name: self.spec_name,
            spec_id: self.app_spec_id,
            project_id: self.project_id,
            status_reason: self.status_reason,
            resume_at: self.resume_at,
            spec_content: self.spec_content,
            provider: self.provider,
            model: self.model,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            sessions: self.sessions,
            features_passing: self.features_passing,
            features_total: self.features_total,
            last_event_seq: self.last_event_seq,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            updated_at: self.updated_at,
        }
    }

    pub fn into_summary(self) -> BuildSummary {
        BuildSummary {
            id: self.id,
            status: self.status(),
            spec_name: self.spec_name,
            spec_id: self.app_spec_id,
            status_reason: self.status_reason,
            features_passing: self.features_passing,
            features_total: self.features_total,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        }
    }
}

pub struct NewBuild<'a> {
    pub owner_id: Uuid,
    pub spec_id: Uuid,
    pub project_id: Option<Uuid>,
    pub spec_name: &'a str,
    pub spec_content: &'a str,
    pub provider: &'a str,
    pub model: &'a str,
}

/// Serialises the owner's build starts and resumes (until the transaction
/// ends), so two at the same moment cannot both pass the limit.
pub async fn lock_owner(connection: &mut AsyncPgConnection, owner_id: Uuid) -> StoreResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('builds:' || $1))")
        .bind::<Text, _>(owner_id.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Builds of the owner that are running, queued, or paused until a time
/// when they resume on their own (their model was busy), other than
/// `other_than` (a build being resumed holds its own room).
pub async fn count_active(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    other_than: Option<Uuid>,
) -> StoreResult<i64> {
    let waiting_to_resume = builds::status.eq("paused").and(builds::resume_at.is_not_null());
    let mut active = builds::table
        .filter(builds::user_id.eq(owner_id))
        .filter(builds::status.eq_any(["queued", "running"]).or(waiting_to_resume))
        .into_boxed();
    if let Some(id) = other_than {
        active = active.filter(builds::id.ne(id));
    }
    Ok(active.count().get_result(connection).await?)
}

pub async fn insert(connection: &mut AsyncPgConnection, build: NewBuild<'_>) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(builds::table)
        .values((
            builds::id.eq(id),
            builds::user_id.eq(build.owner_id),
            builds::app_spec_id.eq(Some(build.spec_id)),
            builds::project_id.eq(build.project_id),
            builds::spec_name.eq(build.spec_name),
            builds::spec_content.eq(build.spec_content),
            builds::provider.eq(build.provider),
            builds::model.eq(build.model),
        ))
        .execute(connection)
        .await?;
    Ok(id)
}

pub async fn find(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<BuildRow>> {
    Ok(builds::table
        .filter(builds::id.eq(id))
        .filter(builds::user_id.eq(owner_id))
        .select(BuildRow::as_select())
        .first(connection)
        .await
        .optional()?)
}

/// The owner's build, locked until the transaction ends.
pub async fn find_for_update(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<BuildRow>> {
    Ok(builds::table
        .filter(builds::id.eq(id))
        .filter(builds::user_id.eq(owner_id))
        .select(BuildRow::as_select())
        .for_update()
        .first(connection)
        .await
        .optional()?)
}

/// Events deleted per statement when a build is: a history of millions
/// goes in steps that each end well within the statement timeout, where one
/// cascade could not, and would fail the same way on every retry.
pub const EVENTS_DELETED_AT_ONCE: usize = 20_000;

/// Removes the owner's build: its events a batch at a time, then the build,
/// whose artifact row and kept state go with it.
pub async fn delete(connection: &mut AsyncPgConnection, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
    loop {
        let deleted = diesel::sql_query(
            "DELETE FROM build_events WHERE build_id = $1 AND seq IN (
                 SELECT e.seq FROM build_events e JOIN builds b ON b.id = e.build_id
                 WHERE e.build_id = $1 AND b.user_id = $2
                 ORDER BY e.seq LIMIT $3)",
        )
        .bind::<diesel::sql_types::Uuid, _>(id)
        .bind::<diesel::sql_types::Uuid, _>(owner_id)
        .bind::<BigInt, _>(EVENTS_DELETED_AT_ONCE as i64)
        .execute(connection)
        .await?;
        if deleted < EVENTS_DELETED_AT_ONCE {
            break;
        }
    }
    let deleted =
        diesel::delete(builds::table.filter(builds::id.eq(id)).filter(builds::user_id.eq(owner_id)))
            .execute(connection)
            .await?;
    Ok(deleted == 1)
}

/// Any build, for the worker that holds it.
pub async fn find_any(connection: &mut AsyncPgConnection, id: Uuid) -> StoreResult<Option<BuildRow>> {
    Ok(builds::table.find(id).select(BuildRow::as_select()).first(connection).await.optional()?)
}

/// One page of the owner's builds, newest first, and how many match in all,
/// the two queries pipelined on the one connection.
pub async fn list(
    connection: &AsyncPgConnection,
    owner_id: Uuid,
    query: &BuildQuery,
) -> StoreResult<(Vec<BuildRow>, i64)> {
    let filtered = || {
        let mut statement = builds::table.filter(builds::user_id.eq(owner_id)).into_boxed();
        if let Some(status) = query.status {
            statement = statement.filter(builds::status.eq(status.as_str()));
        }
        if let Some(spec_id) = query.spec_id {
            statement = statement.filter(builds::app_spec_id.eq(spec_id));
        }
        if let Some(text) = query.search_text() {
            statement = statement.filter(builds::spec_name.ilike(contains_pattern(&text)));
        }
        statement
    };
    let total = filtered().count().get_result::<i64>(&mut &*connection);
    let page_size = i64::from(query.page_size());
    let rows = filtered()
        .order((builds::created_at.desc(), builds::id.desc()))
        .limit(page_size)
        .offset(i64::from(query.page() - 1) * page_size)
        .select(BuildRow::as_select())
        .load(&mut &*connection);
    Ok(futures_util::try_join!(rows, total)?)
}

/// A person's change of a build's state (cancel, pause, resume). Leaves the
/// lease alone: a worker still stopping keeps it until it has stopped.
pub async fn set_status(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    status: BuildStatus,
    reason: Option<&str>,
) -> StoreResult<()> {
    let finished_at = status.is_final().then(Utc::now);
    diesel::update(builds::table.find(id))
        .set((
            builds::status.eq(status.as_str()),
            builds::status_reason.eq(reason),
            builds::finished_at.eq(finished_at),
            builds::resume_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(connection)
        .await?;
    Ok(())
}

/// A resume by a person: the per-build limits count afresh from here.
pub async fn requeue_with_fresh_limits(connection: &mut AsyncPgConnection, id: Uuid) -> StoreResult<()> {
    diesel::update(builds::table.find(id))
        .set((
            builds::status.eq(BuildStatus::Queued.as_str()),
            builds::status_reason.eq(None::<String>),
            builds::resume_at.eq(None::<DateTime<Utc>>),
            builds::stalled_sessions.eq(0),
            builds::limits_from_tokens.eq(builds::input_tokens + builds::output_tokens),
            builds::limits_from_sessions.eq(builds::sessions),
            builds::limits_from_secs.eq(builds::active_secs),
        ))
        .execute(connection)
        .await?;
    Ok(())
}

/// A build a worker claimed.
#[derive(Debug, Clone)]
pub struct ClaimedBuild {
    pub build: BuildRow,
    /// Whether an earlier run started it (so its sandbox should exist).
    pub was_started: bool,
    /// Whether it was claimed from a worker whose lease ran out.
    pub was_orphaned: bool,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    was_started: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    was_orphaned: bool,
}

/// Takes the oldest build that is waiting (queued, paused until a moment
/// now past, or running under a lease that ran out) for `worker`, except
/// those in `running_here` (the worker's process still runs them). Rows
/// another worker is claiming at this moment are skipped, not waited for.
pub async fn claim_next(
    connection: &mut AsyncPgConnection,
    worker: Uuid,
    lease: Duration,
    running_here: &[Uuid],
) -> StoreResult<Option<ClaimedBuild>> {
    let claimed: Option<Claimed> = diesel::sql_query(
        "WITH next AS (
             SELECT id, started_at IS NOT NULL AS was_started, status = 'running' AS was_orphaned
             FROM builds
             WHERE (status = 'queued'
                    OR (status = 'paused' AND resume_at <= now())
                    OR status = 'running')
               AND (lease_expires_at IS NULL OR lease_expires_at < now())
               AND id <> ALL($3)
             ORDER BY created_at
             LIMIT 1
             FOR UPDATE SKIP LOCKED
         )
         UPDATE builds b
         SET status = 'running', status_reason = NULL, resume_at = NULL,
             lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
             started_at = coalesce(b.started_at, now())
         FROM next
         WHERE b.id = next.id
         RETURNING b.id, next.was_started, next.was_orphaned",
    )
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(running_here)
    .get_result(connection)
    .await
    .optional()?;
    let Some(claimed) = claimed else { return Ok(None) };
    let build = find_any(connection, claimed.id).await?.ok_or(diesel::result::Error::NotFound)?;
    Ok(Some(ClaimedBuild { build, was_started: claimed.was_started, was_orphaned: claimed.was_orphaned }))
}

/// Extends the lease; answers the build's status, or `None` when the lease
/// is no longer this worker's.
pub async fn renew_lease(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    lease: Duration,
    active_secs: i64,
) -> StoreResult<Option<BuildStatus>> {
    let status: Option<String> = diesel::sql_query(
        "UPDATE builds SET lease_expires_at = now() + make_interval(secs => $3),
             active_secs = GREATEST(active_secs, $4)
         WHERE id = $1 AND lease_owner = $2
         RETURNING status",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
    .bind::<BigInt, _>(active_secs)
    .get_result::<StatusRow>(connection)
    .await
    .optional()?
    .map(|row| row.status);
    Ok(status.map(|status| BuildStatus::parse(&status).unwrap_or(BuildStatus::Failed)))
}

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = Text)]
    status: String,
}

/// Writes the build's working time as the run holding it counts it (a
/// total, which the row only ever rises to), before it gives its lease up.
pub async fn record_working_time(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    active_secs: i64,
) -> StoreResult<()> {
    diesel::sql_query(
        "UPDATE builds SET active_secs = GREATEST(active_secs, $3) WHERE id = $1 AND lease_owner = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<BigInt, _>(active_secs)
    .execute(connection)
    .await?;
    Ok(())
}

/// Gives the lease up; with `claimable_now`, another worker may take the
/// build at once (the server is stopping, the build should go on).
pub async fn release_lease(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    claimable_now: bool,
) -> StoreResult<()> {
    let target = builds::table.filter(builds::id.eq(id)).filter(builds::lease_owner.eq(worker));
    if claimable_now {
        diesel::update(target)
            .set((builds::lease_owner.eq(None::<Uuid>), builds::lease_expires_at.eq(Some(Utc::now()))))
            .execute(connection)
            .await?;
    } else {
        diesel::update(target)
            .set((builds::lease_owner.eq(None::<Uuid>), builds::lease_expires_at.eq(None::<DateTime<Utc>>)))
            .execute(connection)
            .await?;
    }
    Ok(())
}

/// What one agent session adds to a build's record. Its tokens and time
/// are not here: each reply's tokens are added as it ends (`WriterCounts`),
/// and the working time with each renewal of the lease.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionTally {
    pub features_passing: i32,
    pub features_total: i32,
    pub made_progress: bool,
    /// For an initializer, whether it finished the plan (an unfinished one
    /// leaves the build unplanned).
    pub plan: Option<bool>,
}

/// Records a finished session while the worker holds the lease; answers
/// the build's sessions now, or `None` when the worker does not hold it.
pub async fn record_session(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    tally: SessionTally,
    model: &str,
) -> StoreResult<Option<i32>> {
    #[derive(QueryableByName)]
    struct Recorded {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        sessions: i32,
    }
    let recorded: Option<Recorded> = diesel::sql_query(
        "UPDATE builds SET
             sessions = sessions + 1,
             stalled_sessions = CASE WHEN $3 THEN 0 ELSE stalled_sessions + 1 END,
             features_passing = $4, features_total = $5,
             model = CASE WHEN $6 = '' THEN model ELSE $6 END,
             planned_in_session = CASE WHEN $7 IS NULL THEN planned_in_session
                                       WHEN $7 THEN sessions + 1 END
         WHERE id = $1 AND lease_owner = $2
         RETURNING sessions",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<diesel::sql_types::Bool, _>(tally.made_progress)
    .bind::<diesel::sql_types::Integer, _>(tally.features_passing)
    .bind::<diesel::sql_types::Integer, _>(tally.features_total)
    .bind::<Text, _>(model)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Bool>, _>(tally.plan)
    .get_result(connection)
    .await
    .optional()?;
    Ok(recorded.map(|recorded| recorded.sessions))
}

/// How a worker's run of a build ended, written only while it holds the
/// lease and the build is still running (a person may have cancelled it).
pub async fn finish_run(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    status: BuildStatus,
    reason: Option<&str>,
    resume_at: Option<DateTime<Utc>>,
) -> StoreResult<bool> {
    let finished_at = status.is_final().then(Utc::now);
    let updated = diesel::update(
        builds::table
            .filter(builds::id.eq(id))
            .filter(builds::lease_owner.eq(worker))
            .filter(builds::status.eq(BuildStatus::Running.as_str())),
    )
    .set((
        builds::status.eq(status.as_str()),
        builds::status_reason.eq(reason),
        builds::finished_at.eq(finished_at),
        builds::resume_at.eq(resume_at),
        builds::lease_owner.eq(None::<Uuid>),
        builds::lease_expires_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(connection)
    .await?;
    Ok(updated == 1)
}

/// Wakes the workers of every process (an empty payload), or tells the
/// process running `build_id` to look at its state again.
pub async fn notify_control(connection: &mut AsyncPgConnection, build_id: Option<Uuid>) -> StoreResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CONTROL_CHANNEL)
        .bind::<Text, _>(build_id.map(|id| id.to_string()).unwrap_or_default())
        .execute(connection)
        .await?;
    Ok(())
}
