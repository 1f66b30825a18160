//! Recording a build's events: the runner emits them into a bounded queue,
//! one writer task per build commits them in groups (whatever accumulated
//! while the previous group was being written, in one statement), and only
//! then are they handed to viewers. What a person has seen is committed.

use std::sync::Arc;
use std::time::Duration;

use app::api::builds::{BuildEvent, StoredBuildEvent};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::builds::hub::{Committed, EventHub};
use crate::builds::repo;
use crate::db::{DbPool, StoreError};

/// Events waiting to be written; a runner that gets this far ahead of the
/// database waits (events are never dropped).
const QUEUE_CAPACITY: usize = 8192;
/// The most events one statement writes.
const MAX_GROUP: usize = 4096;

enum Command {
    Event(DateTime<Utc>, BuildEvent),
    Flush(oneshot::Sender<()>),
}

/// Where a runner's events go. Cloning shares the queue.
#[derive(Clone)]
pub struct EventSink {
    sender: mpsc::Sender<Command>,
}

impl EventSink {
    /// Queues `event`, stamped now; waits while the queue is full.
    pub async fn emit(&self, event: BuildEvent) {
        // The writer outlives every sink (it ends when they are all gone).
        let _ = self.sender.send(Command::Event(Utc::now(), event)).await;
    }

    /// Waits until everything emitted so far is committed.
    pub async fn flush(&self) {
        let (done, committed) = oneshot::channel();
        if self.sender.send(Command::Flush(done)).await.is_ok() {
            let _ = committed.await;
        }
    }
}

/// Starts the writer of `build_id`'s events. It ends once every sink is
/// dropped and the queue is written.
pub fn spawn_writer(
    pool: DbPool,
    hub: Arc<EventHub>,
    build_id: Uuid,
) -> (EventSink, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let task = tokio::spawn(write_events(pool, hub, build_id, receiver));
    (EventSink { sender }, task)
}

async fn write_events(
    pool: DbPool,
    hub: Arc<EventHub>,
    build_id: Uuid,
    mut receiver: mpsc::Receiver<Command>,
) {
    let mut group: Vec<(DateTime<Utc>, BuildEvent)> = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Event(at, event) => group.push((at, event)),
                Command::Flush(done) => waiting.push(done),
            }
            if group.len() < MAX_GROUP {
                next = receiver.try_recv().ok();
            }
        }
        if !group.is_empty() {
            let stored = commit_with_retries(&pool, build_id, &group).await;
            group.clear();
            publish(&hub, build_id, stored);
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Commits a group, trying again until the database takes it: the events
/// stay queued meanwhile and the runner waits, rather than lose them.
async fn commit_with_retries(
    pool: &DbPool,
    build_id: Uuid,
    group: &[(DateTime<Utc>, BuildEvent)],
) -> Vec<StoredBuildEvent> {
    let mut attempt: u32 = 0;
    loop {
        match commit(pool, build_id, group).await {
            Ok(stored) => return stored,
            Err(error) => {
                attempt += 1;
                let wait = Duration::from_millis(100 * u64::from(attempt.min(50)));
                tracing::warn!(%build_id, %error, attempt, events = group.len(), "could not write build events; retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

async fn commit(
    pool: &DbPool,
    build_id: Uuid,
    group: &[(DateTime<Utc>, BuildEvent)],
) -> Result<Vec<StoredBuildEvent>, StoreError> {
    let mut connection = pool.get().await?;
    Ok(connection
        .transaction(async |connection| repo::append_events(connection, build_id, group).await)
        .await?)
}

/// Hands committed events to the viewers in this process.
pub fn publish(hub: &EventHub, build_id: Uuid, stored: Vec<StoredBuildEvent>) {
    if let Some(last) = stored.last() {
        let up_to = last.seq;
        hub.publish(build_id, Committed { up_to, events: Some(stored.into()) });
    }
}
