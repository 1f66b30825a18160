//! One reader of the database per watched build, however many people watch
//! it. Viewers read the history themselves when they connect; after that,
//! live events reach them all through the build's follower: a writer in
//! this process hands its events over directly, and events committed by
//! other processes (announced by NOTIFY, or found by a look every few
//! seconds) are read once here and handed to every viewer. So a thousand
//! viewers cost one query per commit or interval, not a thousand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch, Notify};
use uuid::Uuid;

use crate::builds::hub::{Committed, EventHub};
use crate::builds::repo;
use crate::db::{DbPool, StoreError};

/// Signals a viewer may fall behind by before it is told it lagged (and
/// reads the database itself).
const VIEWER_BUFFER: usize = 256;
/// Events read at a time.
const PAGE: i64 = 1000;
/// Without any announcement, the database is looked at this often anyway:
/// notifications are hints, and one may be lost while reconnecting.
pub const LOOK_EVERY: Duration = Duration::from_secs(5);

/// What the viewers of one build share.
pub struct Followed {
    pub(super) signals: broadcast::Sender<Committed>,
    /// Every event up to this number was handed to the viewers, or was
    /// committed before the follower started (and so before any viewer's
    /// catch-up read, see [`Followed::ready`]).
    handed_up_to: AtomicI64,
    wake: Notify,
    /// True once `handed_up_to` is known. Viewers read their history only
    /// after that, so nothing committed in between falls through.
    ready: watch::Sender<bool>,
}

impl Followed {
    pub(super) fn new() -> Self {
        Self {
            signals: broadcast::channel(VIEWER_BUFFER).0,
            handed_up_to: AtomicI64::new(0),
            wake: Notify::new(),
            ready: watch::channel(false).0,
        }
    }

    pub(super) fn ready(&self) -> watch::Receiver<bool> {
        self.ready.subscribe()
    }

    pub(super) fn is_watched(&self) -> bool {
        self.signals.receiver_count() > 0
    }

    /// Events a writer in this process committed: straight to the viewers.
    pub(super) fn hand_over(&self, committed: Committed) {
        let up_to = committed.up_to;
        // Nobody watching is fine: the follower notices and stops.
        let _ = self.signals.send(committed);
        self.handed_up_to.fetch_max(up_to, Ordering::AcqRel);
    }

    /// Events up to `up_to` were committed elsewhere: read them if they are new.
    pub(super) fn announce(&self, up_to: i64) {
        if up_to > self.handed_up_to.load(Ordering::Acquire) {
            self.wake.notify_one();
        }
    }

    /// Look at the database now, whatever was announced.
    pub(super) fn look_now(&self) {
        self.wake.notify_one();
    }
}

/// Follows `build_id` until nobody watches it or the server stops.
pub(super) async fn follow(hub: Arc<EventHub>, pool: DbPool, build_id: Uuid, followed: Arc<Followed>) {
    loop {
        match last_committed(&pool, build_id).await {
            Ok(seq) => {
                followed.handed_up_to.fetch_max(seq, Ordering::AcqRel);
                followed.ready.send_replace(true);
                break;
            }
            Err(error) => {
                tracing::debug!(%error, %build_id, "a build's follower could not start yet");
                if !pause(&hub, &followed).await {
                    return;
                }
            }
        }
    }
    loop {
        if !pause(&hub, &followed).await || hub.forget_if_unwatched(build_id, &followed) {
            return;
        }
        if let Err(error) = hand_over_new(&pool, build_id, &followed).await {
            // Viewers keep what they have; the next look tries again.
            tracing::debug!(%error, %build_id, "a build's follower could not read its events");
        }
    }
}

/// Waits for an announcement or the next look; false when the server stops.
async fn pause(hub: &EventHub, followed: &Followed) -> bool {
    tokio::select! {
        _ = hub.closing.cancelled() => false,
        _ = followed.wake.notified() => true,
        _ = tokio::time::sleep(LOOK_EVERY) => true,
    }
}

async fn last_committed(pool: &DbPool, build_id: Uuid) -> Result<i64, StoreError> {
    let mut connection = pool.get().await?;
    let build = repo::find_any(&mut connection, build_id).await?;
    Ok(build.map_or(0, |build| build.last_event_seq))
}

/// Reads what was committed after the last event handed over, page by
/// page, and hands each page to every viewer.
async fn hand_over_new(pool: &DbPool, build_id: Uuid, followed: &Followed) -> Result<(), StoreError> {
    let mut connection = pool.get().await?;
    loop {
        let after = followed.handed_up_to.load(Ordering::Acquire);
        let events = repo::events_after(&mut connection, build_id, after, PAGE).await?;
        let Some(last) = events.last() else { return Ok(()) };
        let is_full_page = events.len() as i64 == PAGE;
        followed.hand_over(Committed { up_to: last.seq, events: Some(events.into()) });
        if !is_full_page {
            return Ok(());
        }
    }
}
