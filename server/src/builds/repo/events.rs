//! A build's history: appending events with gapless numbers, their volume,
//! and reading them back (all, log lines only).

use app::model::build_log::{LogLine, KINDS_NOT_LOGGED};
use app::model::builds::{BuildEvent, StoredBuildEvent};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::EVENTS_CHANNEL;
use crate::db::schema::{build_events, builds, event_writer_groups};
use crate::db::static_sql::{bind, static_sql};
use crate::db::StoreResult;
use crate::webhooks::outbox;

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
) -> StoreResult<Vec<StoredBuildEvent>> {
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
    let stored = numbered(events, last.last_event_seq - count + 1);
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
    // In the same transaction: a delivery exists exactly when its event does.
    outbox::enqueue_build_events(connection, build_id, &stored).await?;
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

pub async fn event_volume(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<EventVolume> {
    Ok(builds::table
        .find(build_id)
        .select((builds::last_event_seq, builds::event_bytes, builds::log_lines_dropped))
        .first(connection)
        .await?)
}

/// What one commit of a build's event writer adds to the build's row, in
/// the events' transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterCounts {
    pub event_bytes: i64,
    pub log_lines_dropped: i64,
    /// Spent by model replies since the last commit.
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// A provider's token count as a build's row keeps it (a `bigint`).
pub fn stored_tokens(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

pub async fn add_writer_counts(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    counts: WriterCounts,
) -> StoreResult<()> {
    let updated = diesel::update(builds::table.find(build_id))
        .set((
            builds::event_bytes.eq(builds::event_bytes + counts.event_bytes),
            builds::log_lines_dropped.eq(builds::log_lines_dropped + counts.log_lines_dropped),
            builds::input_tokens.eq(builds::input_tokens + counts.input_tokens),
            builds::output_tokens.eq(builds::output_tokens + counts.output_tokens),
        ))
        .execute(connection)
        .await?;
    if updated == 0 {
        // The build is gone; said here, so that a group of counts alone ends too.
        return Err(diesel::result::Error::NotFound.into());
    }
    Ok(())
}

/// Notes `group` as the last one `writer` stored for `build_id`, with
/// `stored`, its events as numbered (in their transaction), so that the
/// group sent again after the answer to its COMMIT was lost is found
/// stored ([`stored_writer_group`]) rather than stored twice.
pub async fn note_writer_group(
    connection: &mut AsyncPgConnection,
    writer: Uuid,
    build_id: Uuid,
    group: Uuid,
    stored: &[StoredBuildEvent],
) -> StoreResult<()> {
    let last_seq = stored.last().map(|event| event.seq);
    diesel::insert_into(event_writer_groups::table)
        .values((
            event_writer_groups::writer.eq(writer),
            event_writer_groups::build_id.eq(build_id),
            event_writer_groups::last_group.eq(group),
            event_writer_groups::last_seq.eq(last_seq),
        ))
        .on_conflict(event_writer_groups::writer)
        .do_update()
        .set((event_writer_groups::last_group.eq(group), event_writer_groups::last_seq.eq(last_seq)))
        .execute(connection)
        .await?;
    Ok(())
}

/// `events` as stored, if they are the last group `writer` stored, `group`.
pub async fn stored_writer_group(
    connection: &mut AsyncPgConnection,
    writer: Uuid,
    group: Uuid,
    events: &[(DateTime<Utc>, BuildEvent)],
) -> StoreResult<Option<Vec<StoredBuildEvent>>> {
    let last: Option<Option<i64>> = event_writer_groups::table
        .find(writer)
        .filter(event_writer_groups::last_group.eq(group))
        .select(event_writer_groups::last_seq)
        .first(connection)
        .await
        .optional()?;
    let Some(last) = last else { return Ok(None) };
    let first = last.map_or(0, |last| last - events.len() as i64 + 1);
    Ok(Some(numbered(events, first)))
}

/// `events` as stored from `first` on, one number each.
fn numbered(events: &[(DateTime<Utc>, BuildEvent)], first: i64) -> Vec<StoredBuildEvent> {
    events
        .iter()
        .zip(first..)
        .map(|((at, event), seq)| StoredBuildEvent { seq, at: *at, event: event.clone() })
        .collect()
}

/// Forgets what `writer` noted, once it has ended.
pub async fn forget_writer(connection: &mut AsyncPgConnection, writer: Uuid) -> StoreResult<()> {
    diesel::delete(event_writer_groups::table.find(writer)).execute(connection).await?;
    Ok(())
}

/// Events after `after`, oldest first.
pub async fn events_after(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<StoredBuildEvent>> {
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

/// A stored event as the state and log queries read it.
#[derive(QueryableByName)]
pub(super) struct EventRow {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
}

/// The events after `$2` that may have a log line, oldest first: at most
/// `$4` of them, and only as many as fit in `$5` bytes (always one);
/// `through` counts the bytes up to and including each.
const LOGGED_EVENTS_AFTER: &str = "SELECT seq, created_at, payload, through FROM ( \
        SELECT seq, created_at, payload, size, sum(size) OVER (ORDER BY seq) AS through FROM ( \
            SELECT seq, created_at, payload, octet_length(payload::text) AS size FROM build_events \
            WHERE build_id = $1 AND seq > $2 AND kind <> ALL($3) ORDER BY seq LIMIT $4 \
        ) AS page \
    ) AS counted \
    WHERE through - size < $5 ORDER BY seq";

/// An event as the log query reads it, with the page's bytes through it.
#[derive(QueryableByName)]
struct LoggedRow {
    #[diesel(embed)]
    event: EventRow,
    #[diesel(sql_type = BigInt)]
    through: i64,
}

/// Log lines of the events after `after`, oldest first: of at most `limit`
/// events, and of no more than `max_bytes` of them (one, however long);
/// with whether `max_bytes` is what ended the page.
pub async fn log_lines_after(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    after: i64,
    limit: i64,
    max_bytes: i64,
) -> StoreResult<(Vec<LogLine>, bool)> {
    let rows: Vec<LoggedRow> = static_sql(
        LOGGED_EVENTS_AFTER,
        (
            bind::<diesel::sql_types::Uuid, _>(build_id),
            bind::<BigInt, _>(after),
            bind::<Array<Text>, _>(KINDS_NOT_LOGGED.as_slice()),
            bind::<BigInt, _>(limit),
            bind::<BigInt, _>(max_bytes),
        ),
    )
    .load(connection)
    .await?;
    let bytes_ran_out = rows.last().is_some_and(|row| row.through >= max_bytes);
    let lines = rows
        .into_iter()
        .filter_map(|LoggedRow { event: row, .. }| {
            let event = serde_json::from_value::<BuildEvent>(row.payload).ok()?;
            LogLine::of(&StoredBuildEvent { seq: row.seq, at: row.created_at, event })
        })
        .collect();
    Ok((lines, bytes_ran_out))
}
