//! Who hears that a build's events were committed. Writers in this process
//! hand the committed events over directly; builds run by other processes
//! are announced through PostgreSQL's LISTEN/NOTIFY, and their viewers read
//! the rows. A signal is only ever a hint: viewers read the database when
//! they miss one, so a lost notification delays an event, never loses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::model::builds::StoredBuildEvent;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::builds::control::RunningBuilds;
use crate::builds::repo::{CONTROL_CHANNEL, EVENTS_CHANNEL};

/// Signals a viewer may fall behind by before it is told it lagged (and
/// reads the database instead).
const VIEWER_BUFFER: usize = 256;

/// Events up to `up_to` are committed. `events` carries them when this
/// process wrote them; otherwise they are in the database.
#[derive(Debug, Clone)]
pub struct Committed {
    pub up_to: i64,
    pub events: Option<Arc<[StoredBuildEvent]>>,
}

#[derive(Default)]
pub struct EventHub {
    channels: Mutex<HashMap<Uuid, broadcast::Sender<Committed>>>,
    /// Woken when a build is queued anywhere, so idle workers look at once.
    queued: Notify,
    /// Cancelled when the server stops: open viewer streams end.
    pub closing: CancellationToken,
}

impl EventHub {
    fn with_channels<T>(
        &self,
        work: impl FnOnce(&mut HashMap<Uuid, broadcast::Sender<Committed>>) -> T,
    ) -> T {
        // Every change is one insert or remove: the map stays consistent after a panic.
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut channels)
    }

    pub fn subscribe(&self, build_id: Uuid) -> broadcast::Receiver<Committed> {
        self.with_channels(|channels| {
            channels.entry(build_id).or_insert_with(|| broadcast::channel(VIEWER_BUFFER).0).subscribe()
        })
    }

    /// Tells the build's viewers; forgets the channel once nobody listens.
    pub fn publish(&self, build_id: Uuid, committed: Committed) {
        self.with_channels(|channels| {
            if let Some(sender) = channels.get(&build_id) {
                if sender.send(committed).is_err() {
                    channels.remove(&build_id);
                }
            }
        });
    }

    /// Every viewer re-reads the database (after notifications may have been missed).
    fn resync_all(&self) {
        self.with_channels(|channels| {
            channels.retain(|_, sender| sender.send(Committed { up_to: i64::MAX, events: None }).is_ok())
        });
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

    #[tokio::test]
    async fn a_channel_nobody_follows_is_forgotten() {
        let hub = EventHub::default();
        let id = Uuid::now_v7();
        let receiver = hub.subscribe(id);
        drop(receiver);
        hub.publish(id, Committed { up_to: 1, events: None });
        assert!(hub.with_channels(|channels| channels.is_empty()));
    }
}
