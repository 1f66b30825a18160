//! Queries on builds and their events. Functions a person reaches take the
//! owner's id and filter by it; the queue's functions (claim, lease, finish)
//! take the worker's id and act only while it holds the lease.

use std::time::Duration;

use app::model::builds::{
    BuildDetail, BuildEvent, BuildQuery, BuildStatus, BuildSummary, BuildView, LogLine, StoredBuildEvent,
    MAX_BUILD_LIST,
};
use app::model::projects::BuildRef;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{build_events, builds};
use crate::db::static_sql::{bind, static_sql};

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
pub async fn lock_owner(connection: &mut AsyncPgConnection, owner_id: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('builds:' || $1))")
        .bind::<Text, _>(owner_id.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Builds of the owner that are running or queued.
pub async fn count_active(connection: &mut AsyncPgConnection, owner_id: Uuid) -> QueryResult<i64> {
    builds::table
        .filter(builds::user_id.eq(owner_id))
        .filter(builds::status.eq_any(["queued", "running"]))
        .count()
        .get_result(connection)
        .await
}

pub async fn insert(connection: &mut AsyncPgConnection, build: NewBuild<'_>) -> QueryResult<Uuid> {
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
) -> QueryResult<Option<BuildRow>> {
    builds::table
        .filter(builds::id.eq(id))
        .filter(builds::user_id.eq(owner_id))
        .select(BuildRow::as_select())
        .first(connection)
        .await
        .optional()
}

/// The owner's build, locked until the transaction ends.
pub async fn find_for_update(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<BuildRow>> {
    builds::table
        .filter(builds::id.eq(id))
        .filter(builds::user_id.eq(owner_id))
        .select(BuildRow::as_select())
        .for_update()
        .first(connection)
        .await
        .optional()
}

/// Removes the owner's build; its events and artifact row go with it.
pub async fn delete(connection: &mut AsyncPgConnection, owner_id: Uuid, id: Uuid) -> QueryResult<bool> {
    let deleted =
        diesel::delete(builds::table.filter(builds::id.eq(id)).filter(builds::user_id.eq(owner_id)))
            .execute(connection)
            .await?;
    Ok(deleted == 1)
}

/// Any build, for the worker that holds it.
pub async fn find_any(connection: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<BuildRow>> {
    builds::table.find(id).select(BuildRow::as_select()).first(connection).await.optional()
}

pub async fn list(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    query: &BuildQuery,
) -> QueryResult<Vec<BuildRow>> {
    let mut statement = builds::table.filter(builds::user_id.eq(owner_id)).into_boxed();
    if let Some(status) = query.status {
        statement = statement.filter(builds::status.eq(status.as_str()));
    }
    if let Some(spec_id) = query.spec_id {
        statement = statement.filter(builds::app_spec_id.eq(spec_id));
    }
    let limit = query.limit.unwrap_or(MAX_BUILD_LIST).clamp(1, MAX_BUILD_LIST);
    statement
        .order((builds::created_at.desc(), builds::id.desc()))
        .limit(i64::from(limit))
        .select(BuildRow::as_select())
        .load(connection)
        .await
}

/// A person's change of a build's state (cancel, pause, resume). Leaves the
/// lease alone: a worker still stopping keeps it until it has stopped.
pub async fn set_status(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    status: BuildStatus,
    reason: Option<&str>,
) -> QueryResult<()> {
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
pub async fn requeue_with_fresh_limits(connection: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
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
/// now past, or running under a lease that ran out) for `worker`. Rows
/// another worker is claiming at this moment are skipped, not waited for.
pub async fn claim_next(
    connection: &mut AsyncPgConnection,
    worker: Uuid,
    lease: Duration,
) -> QueryResult<Option<ClaimedBuild>> {
    let claimed: Option<Claimed> = diesel::sql_query(
        "WITH next AS (
             SELECT id, started_at IS NOT NULL AS was_started, status = 'running' AS was_orphaned
             FROM builds
             WHERE (status = 'queued'
                    OR (status = 'paused' AND resume_at <= now())
                    OR status = 'running')
               AND (lease_expires_at IS NULL OR lease_expires_at < now())
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
) -> QueryResult<Option<BuildStatus>> {
    let status: Option<String> = diesel::sql_query(
        "UPDATE builds SET lease_expires_at = now() + make_interval(secs => $3)
         WHERE id = $1 AND lease_owner = $2
         RETURNING status",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
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

/// Gives the lease up; with `claimable_now`, another worker may take the
/// build at once (the server is stopping, the build should go on).
pub async fn release_lease(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    claimable_now: bool,
) -> QueryResult<()> {
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

/// What one agent session adds to a build's record.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionTally {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub active_secs: i64,
    pub features_passing: i32,
    pub features_total: i32,
    pub made_progress: bool,
}

/// Records a finished session while the worker holds the lease.
pub async fn record_session(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    tally: SessionTally,
    model: &str,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE builds SET
             sessions = sessions + 1,
             stalled_sessions = CASE WHEN $3 THEN 0 ELSE stalled_sessions + 1 END,
             input_tokens = input_tokens + $4, output_tokens = output_tokens + $5,
             active_secs = active_secs + $6,
             features_passing = $7, features_total = $8,
             model = CASE WHEN $9 = '' THEN model ELSE $9 END
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<diesel::sql_types::Bool, _>(tally.made_progress)
    .bind::<BigInt, _>(tally.input_tokens)
    .bind::<BigInt, _>(tally.output_tokens)
    .bind::<BigInt, _>(tally.active_secs)
    .bind::<diesel::sql_types::Integer, _>(tally.features_passing)
    .bind::<diesel::sql_types::Integer, _>(tally.features_total)
    .bind::<Text, _>(model)
    .execute(connection)
    .await?;
    Ok(())
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
) -> QueryResult<bool> {
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

#[derive(QueryableByName)]
struct LastSeq {
    #[diesel(sql_type = BigInt)]
    last_event_seq: i64,
}

/// Appends `events` (with the moments they happened) to the build's
/// history, numbering them after the last one, and announces them on
/// [`EVENTS_CHANNEL`] when the transaction commits. Advancing the
/// counter locks the build's row, so writers take turns and the numbers
/// have no gaps: a transaction that rolls back takes its numbers with it.
pub async fn append_events(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    events: &[(DateTime<Utc>, BuildEvent)],
) -> QueryResult<Vec<StoredBuildEvent>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let count = events.len() as i64;
    let last: LastSeq = diesel::sql_query(
        "UPDATE builds SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq",
    )
    .bind::<diesel::sql_types::Uuid, _>(build_id)
    .bind::<BigInt, _>(count)
    .get_result(connection)
    .await?;
    let first = last.last_event_seq - count + 1;
    let stored: Vec<StoredBuildEvent> = events
        .iter()
        .zip(first..)
        .map(|((at, event), seq)| StoredBuildEvent { seq, at: *at, event: event.clone() })
        .collect();
    let seqs: Vec<i64> = stored.iter().map(|event| event.seq).collect();
    let kinds: Vec<&str> = stored.iter().map(|event| event.event.kind()).collect();
    let payloads: Vec<serde_json::Value> = stored
        .iter()
        .map(|event| serde_json::to_value(&event.event).unwrap_or(serde_json::Value::Null))
        .collect();
    let times: Vec<DateTime<Utc>> = stored.iter().map(|event| event.at).collect();
    // One statement for the whole batch: unnest turns the arrays into rows.
    diesel::sql_query(
        "INSERT INTO build_events (build_id, seq, kind, payload, created_at)
         SELECT $1, seq, kind, payload, created_at
         FROM unnest($2::bigint[], $3::text[], $4::jsonb[], $5::timestamptz[])
              AS batch (seq, kind, payload, created_at)",
    )
    .bind::<diesel::sql_types::Uuid, _>(build_id)
    .bind::<Array<BigInt>, _>(seqs)
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<Jsonb>, _>(payloads)
    .bind::<Array<Timestamptz>, _>(times)
    .execute(connection)
    .await?;
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(EVENTS_CHANNEL)
        .bind::<Text, _>(format!("{build_id}:{}", last.last_event_seq))
        .execute(connection)
        .await?;
    Ok(stored)
}

/// How much of a build's history is stored, and how many output lines were
/// left out for being over its limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Queryable)]
pub struct EventVolume {
    pub events: i64,
    pub bytes: i64,
    pub log_lines_dropped: i64,
}

pub async fn event_volume(connection: &mut AsyncPgConnection, build_id: Uuid) -> QueryResult<EventVolume> {
    builds::table
        .find(build_id)
        .select((builds::last_event_seq, builds::event_bytes, builds::log_lines_dropped))
        .first(connection)
        .await
}

/// Adds to the build's stored bytes and dropped lines (with the events
/// themselves, in their transaction).
pub async fn add_event_volume(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    bytes: i64,
    log_lines_dropped: i64,
) -> QueryResult<()> {
    diesel::update(builds::table.find(build_id))
        .set((
            builds::event_bytes.eq(builds::event_bytes + bytes),
            builds::log_lines_dropped.eq(builds::log_lines_dropped + log_lines_dropped),
        ))
        .execute(connection)
        .await?;
    Ok(())
}

/// Wakes the workers of every process (an empty payload), or tells the
/// process running `build_id` to look at its state again.
pub async fn notify_control(connection: &mut AsyncPgConnection, build_id: Option<Uuid>) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CONTROL_CHANNEL)
        .bind::<Text, _>(build_id.map(|id| id.to_string()).unwrap_or_default())
        .execute(connection)
        .await?;
    Ok(())
}

/// Events after `after`, oldest first.
pub async fn events_after(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<StoredBuildEvent>> {
    let rows: Vec<(i64, DateTime<Utc>, serde_json::Value)> = build_events::table
        .filter(build_events::build_id.eq(build_id))
        .filter(build_events::seq.gt(after))
        .order(build_events::seq.asc())
        .limit(limit)
        .select((build_events::seq, build_events::created_at, build_events::payload))
        .load(connection)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, at, payload)| match serde_json::from_value::<BuildEvent>(payload) {
            Ok(event) => Some(StoredBuildEvent { seq, at, event }),
            Err(error) => {
                tracing::warn!(%build_id, seq, %error, "skipping an event this version cannot read");
                None
            }
        })
        .collect())
}

/// A stored event as the state query reads it.
#[derive(QueryableByName)]
struct EventRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    payload: serde_json::Value,
}

/// The events that tell a build's state (all but log lines, tool calls and
/// usage), in the kinds the `build_events_state` index covers.
const STATE_EVENTS_AFTER: &str = "SELECT seq, created_at, payload FROM build_events \
    WHERE build_id = $1 AND seq > $2 AND kind NOT IN ('log', 'tool_start', 'tool_end', 'session_usage') \
    ORDER BY seq LIMIT $3";

/// Events that tell the build's state fold per batch: a build with a long
/// history is read in pieces, not held whole.
const STATE_BATCH: i64 = 2_000;

/// The build's state folded from its stored events: what the build page
/// shows before (or without) its live stream.
pub async fn fold_state(connection: &mut AsyncPgConnection, build_id: Uuid) -> QueryResult<BuildView> {
    let mut view = BuildView::default();
    loop {
        let rows: Vec<EventRow> = static_sql(
            STATE_EVENTS_AFTER,
            (
                bind::<diesel::sql_types::Uuid, _>(build_id),
                bind::<BigInt, _>(view.last_seq),
                bind::<BigInt, _>(STATE_BATCH),
            ),
        )
        .load(connection)
        .await?;
        let is_last_batch = (rows.len() as i64) < STATE_BATCH;
        let last_read = rows.last().map(|row| row.seq);
        for row in rows {
            match serde_json::from_value::<BuildEvent>(row.payload) {
                Ok(event) => view.apply(&StoredBuildEvent { seq: row.seq, at: row.created_at, event }),
                Err(error) => {
                    tracing::warn!(%build_id, seq = row.seq, %error, "skipping an event this version cannot read")
                }
            }
        }
        // An unreadable last event must not stall the walk.
        view.last_seq = view.last_seq.max(last_read.unwrap_or_default());
        if is_last_batch {
            return Ok(view);
        }
    }
}

/// Log lines after `after`, oldest first.
pub async fn log_lines_after(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<LogLine>> {
    let rows: Vec<(i64, DateTime<Utc>, serde_json::Value)> = build_events::table
        .filter(build_events::build_id.eq(build_id))
        .filter(build_events::seq.gt(after))
        .filter(build_events::kind.eq("log"))
        .order(build_events::seq.asc())
        .limit(limit)
        .select((build_events::seq, build_events::created_at, build_events::payload))
        .load(connection)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, at, payload)| match serde_json::from_value::<BuildEvent>(payload) {
            Ok(BuildEvent::Log { stream, line }) => Some(LogLine { seq, at, stream, line }),
            _ => None,
        })
        .collect())
}
