//! Who hears that a build's events were committed. Writers in this process
//! hand the committed events over directly; builds run by other processes
//! are announced through PostgreSQL's LISTEN/NOTIFY, and each watched
//! build's one [`follower`](crate::builds::follower) reads their rows for
//! all its viewers. A signal is only ever a hint: the follower also looks
//! every few seconds, so a lost notification delays an event, never loses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::model::builds::StoredBuildEvent;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use tokio::sync::{broadcast, watch, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::builds::control::RunningBuilds;
use crate::builds::follower::{self, Followed};
use crate::builds::repo::{CONTROL_CHANNEL, EVENTS_CHANNEL};
use crate::db::DbPool;

/// Events up to `up_to` are committed. `events` carries them when this
/// process wrote them or a follower read them; otherwise they are in the
/// database (and the viewer reads them itself).
#[derive(Debug, Clone)]
pub struct Committed {
    pub up_to: i64,
    pub events: Option<Arc<[StoredBuildEvent]>>,
}

/// A viewer's line to its build's follower.
pub struct Subscription {
    pub signals: broadcast::Receiver<Committed>,
    /// True once the viewer may read its history (see [`Followed`]).
    pub ready: watch::Receiver<bool>,
}

pub struct EventHub {
    pool: DbPool,
    followed: Mutex<HashMap<Uuid, Arc<Followed>>>,
    followers: TaskTracker,
    /// Woken when a build is queued anywhere, so idle workers look at once.
    queued: Notify,
    /// Cancelled when the server stops: open viewer streams and followers end.
    pub closing: CancellationToken,
}

impl EventHub {
    pub fn new(pool: DbPool) -> Self {
        Self {
            pool,
            followed: Mutex::default(),
            followers: TaskTracker::new(),
            queued: Notify::new(),
            closing: CancellationToken::new(),
        }
    }

    fn with_followed<T>(&self, work: impl FnOnce(&mut HashMap<Uuid, Arc<Followed>>) -> T) -> T {
        // Every change is one insert or remove: the map stays consistent after a panic.
        let mut followed = self.followed.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut followed)
    }

    /// Joins the build's viewers, starting its follower if it has none.
    pub fn subscribe(self: &Arc<Self>, build_id: Uuid) -> Subscription {
        // The receiver is made under the lock, so the follower cannot decide
        // nobody watches in between.
        let (followed, signals, is_new) = self.with_followed(|map| match map.get(&build_id) {
            Some(followed) => (followed.clone(), followed.signals.subscribe(), false),
            None => {
                let followed = Arc::new(Followed::new());
                map.insert(build_id, followed.clone());
                let signals = followed.signals.subscribe();
                (followed, signals, true)
            }
        });
        let ready = followed.ready();
        if is_new {
            self.followers.spawn(follower::follow(self.clone(), self.pool.clone(), build_id, followed));
        }
        Subscription { signals, ready }
    }

    /// Tells the build's viewers, if anyone here watches it.
    pub fn publish(&self, build_id: Uuid, committed: Committed) {
        let Some(followed) = self.with_followed(|map| map.get(&build_id).cloned()) else { return };
        if committed.events.is_some() {
            followed.hand_over(committed);
        } else {
            followed.announce(committed.up_to);
        }
    }

    /// Forgets the build's follower when nobody watches any more; answers
    /// whether it did (and the follower should stop).
    pub(super) fn forget_if_unwatched(&self, build_id: Uuid, followed: &Arc<Followed>) -> bool {
        self.with_followed(|map| {
            if followed.is_watched() {
                return false;
            }
            if map.get(&build_id).is_some_and(|current| Arc::ptr_eq(current, followed)) {
                map.remove(&build_id);
            }
            true
        })
    }

    /// Every follower looks at the database (after notifications may have been missed).
    fn resync_all(&self) {
        self.with_followed(|map| map.values().for_each(|followed| followed.look_now()));
    }

    pub fn announce_queued(&self) {
        self.queued.notify_waiters();
    }

    /// Resolves when a build is queued or `timeout` passes.
    pub async fn wait_for_queued(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.queued.notified()).await;
    }
}

/// Listens to the build channels on a connection of its own for as long as
/// the server runs, reconnecting after failures.
pub async fn listen(
    database_url: String,
    hub: Arc<EventHub>,
    running: Arc<RunningBuilds>,
    stop: CancellationToken,
) {
    let mut failures: u32 = 0;
    while !stop.is_cancelled() {
        let result = tokio::select! {
            _ = stop.cancelled() => return,
            result = listen_once(&database_url, &hub, &running) => result,
        };
        failures += 1;
        let wait = Duration::from_millis(250 * u64::from(failures.min(20)));
        if let Err(error) = result {
            tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "lost the build notifications; reconnecting");
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

async fn listen_once(
    database_url: &str,
    hub: &EventHub,
    running: &RunningBuilds,
) -> Result<(), diesel::result::Error> {
    let mut connection = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|error| diesel::result::Error::QueryBuilderError(Box::new(error)))?;
    connection.batch_execute(&format!("LISTEN {EVENTS_CHANNEL}; LISTEN {CONTROL_CHANNEL};")).await?;
    // Whatever was announced while not listening is read from the database.
    hub.resync_all();
    hub.announce_queued();
    let mut notifications = std::pin::pin!(connection.notifications_stream());
    while let Some(notification) = notifications.next().await {
        let notification = notification?;
        if notification.channel == EVENTS_CHANNEL {
            if let Some((build_id, up_to)) = parse_events_payload(&notification.payload) {
                hub.publish(build_id, Committed { up_to, events: None });
            }
        } else if notification.channel == CONTROL_CHANNEL {
            match Uuid::parse_str(&notification.payload) {
                Ok(build_id) => running.check(build_id),
                Err(_) => hub.announce_queued(),
            }
        }
    }
    Ok(())
}

fn parse_events_payload(payload: &str) -> Option<(Uuid, i64)> {
    let (id, seq) = payload.split_once(':')?;
    Some((Uuid::parse_str(id).ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_payloads_name_the_build_and_its_last_event() {
        let id = Uuid::now_v7();
        assert_eq!(parse_events_payload(&format!("{id}:42")), Some((id, 42)));
        assert_eq!(parse_events_payload("nonsense"), None);
        assert_eq!(parse_events_payload(&format!("{id}:x")), None);
    }
}
