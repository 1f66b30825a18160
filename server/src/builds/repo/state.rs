//! A build's state as its page opens: its state events folded in order,
//! starting from the last fold kept, so that a build with a long history
//! (a command that tried a host a million times) is folded whole once, not
//! on every view.

use app::model::build_view::{BuildView, FOLD_VERSION};
use app::model::builds::{BuildEvent, StoredBuildEvent};
use diesel::sql_types::{BigInt, Integer, Jsonb};
use diesel::OptionalExtension;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::EventRow;
use crate::db::static_sql::{bind, static_sql};
use crate::db::StoreResult;

/// The events that tell a build's state: all but those of
/// [`app::model::build_view::KINDS_WITHOUT_STATE`],
/// named literally as the `build_events_state` index names them, so the
/// planner can prove its predicate for the prepared statement.
const STATE_EVENTS_AFTER: &str = "SELECT seq, created_at, payload FROM build_events \
    WHERE build_id = $1 AND seq > $2 \
    AND kind NOT IN ('log', 'tool_start', 'tool_end', 'session_usage', 'app_log') \
    ORDER BY seq LIMIT $3";

/// Events that tell the build's state fold per batch: a build with a long
/// history is read in pieces, not held whole.
const STATE_BATCH: i64 = 2_000;

/// A fold that read this many events past the kept one is kept in its
/// place, so a view reads at most about this many.
const KEEP_AFTER_EVENTS: usize = 5_000;

const KEPT_STATE: &str = "SELECT view FROM build_states WHERE build_id = $1 AND fold_version = $2";

/// Replaces the kept fold only with a later one (two views may race), or
/// with one of the current version.
const KEEP_STATE: &str = "INSERT INTO build_states (build_id, fold_version, last_seq, view) \
    VALUES ($1, $2, $3, $4) \
    ON CONFLICT (build_id) DO UPDATE SET fold_version = excluded.fold_version, \
        last_seq = excluded.last_seq, view = excluded.view, kept_at = now() \
    WHERE build_states.last_seq < excluded.last_seq OR build_states.fold_version <> excluded.fold_version";

#[derive(diesel::QueryableByName)]
struct KeptState {
    #[diesel(sql_type = Jsonb)]
    view: serde_json::Value,
}

/// The build's state folded from its stored events: what the build page
/// shows before (or without) its live stream.
pub async fn fold_state(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<BuildView> {
    let mut view = kept_state(connection, build_id).await?.unwrap_or_default();
    let (mut folded, mut skipped) = (0, 0);
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
        folded += rows.len();
        for row in rows {
            match serde_json::from_value::<BuildEvent>(row.payload) {
                Ok(event) => view.apply(&StoredBuildEvent { seq: row.seq, at: row.created_at, event }),
                Err(error) => {
                    skipped += 1;
                    tracing::warn!(%build_id, seq = row.seq, %error, "skipping an event this version cannot read")
                }
            }
        }
        // An unreadable last event must not stall the walk.
        view.last_seq = view.last_seq.max(last_read.unwrap_or_default());
        if is_last_batch {
            break;
        }
    }
    // A fold that skipped an event is not kept: a newer server may read it.
    if folded >= KEEP_AFTER_EVENTS && skipped == 0 {
        // Only the next view is slower without it.
        if let Err(error) = keep_state(connection, build_id, &view).await {
            tracing::warn!(%build_id, error, "could not keep a build's folded state");
        }
    }
    Ok(view)
}

/// The kept fold, if one of this version is kept and readable.
async fn kept_state(connection: &mut AsyncPgConnection, build_id: Uuid) -> StoreResult<Option<BuildView>> {
    let kept: Option<KeptState> = static_sql(
        KEPT_STATE,
        (bind::<diesel::sql_types::Uuid, _>(build_id), bind::<Integer, _>(FOLD_VERSION)),
    )
    .get_result(connection)
    .await
    .optional()?;
    Ok(kept.and_then(|kept| match serde_json::from_value(kept.view) {
        Ok(view) => Some(view),
        Err(error) => {
            tracing::warn!(%build_id, %error, "a kept build state cannot be read; folding from the start");
            None
        }
    }))
}

async fn keep_state(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    view: &BuildView,
) -> Result<(), String> {
    let json = serde_json::to_value(view).map_err(|error| error.to_string())?;
    static_sql(
        KEEP_STATE,
        (
            bind::<diesel::sql_types::Uuid, _>(build_id),
            bind::<Integer, _>(FOLD_VERSION),
            bind::<BigInt, _>(view.last_seq),
            bind::<Jsonb, _>(json),
        ),
    )
    .execute(connection)
    .await
    .map_err(|error| error.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use app::model::build_view::KINDS_WITHOUT_STATE;

    use super::STATE_EVENTS_AFTER;

    #[test]
    fn the_state_query_skips_exactly_the_kinds_without_state() {
        let listed = STATE_EVENTS_AFTER.split("NOT IN (").nth(1).and_then(|rest| rest.split(')').next());
        let kinds: Vec<&str> =
            listed.unwrap_or_default().split(", ").map(|kind| kind.trim_matches('\'')).collect();
        assert_eq!(kinds, KINDS_WITHOUT_STATE);
    }
}
