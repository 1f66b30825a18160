//! Recording a build's events: the runner emits them into a bounded queue,
//! one writer task per build commits them in groups (whatever accumulated
//! while the previous group was being written, in one statement), and only
//! then are they handed to viewers. What a person has seen is committed.
//!
//! Nothing a build prints can stop the writer: text is made storable when
//! emitted, a group the database refuses is split until the one bad event is
//! found and replaced by a note saying so, and command output past the
//! build's volume limit is counted instead of stored.
//!
//! The tokens each model reply used go the same way, added to the build's
//! row in the transaction of the next group, so what a build spent is
//! stored within moments of being spent.
//!
//! A connection that drops just after a COMMIT leaves the writer unsure
//! whether its group was stored. Each group has a name, noted with it for
//! the writer's last one; a group sent again looks for it first.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use app::model::builds::{BuildEvent, LogStream, Severity, StoredBuildEvent};
use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel_async::AsyncConnection;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::builds::build_metrics::BuildMetrics;
use crate::builds::hub::{Committed, EventHub};
use crate::builds::repo::{self, EventVolume, WriterCounts};
use crate::builds::storable::{text_without_nul, without_nul};
use crate::db::{DbPool, StoreError};
use crate::llm::Usage;

/// Events waiting to be written; a runner that gets this far ahead of the
/// database waits (events are never dropped for being fast).
const QUEUE_CAPACITY: usize = 8192;
/// The most events one statement writes.
const MAX_GROUP: usize = 4096;
/// What a stored row costs beyond its payload (keys, index entries), so
/// that a flood of empty lines weighs something too.
const ROW_OVERHEAD_BYTES: i64 = 100;
/// Attempts at a group after shutdown began, while the database is unreachable.
const ATTEMPTS_AFTER_SHUTDOWN: u32 = 3;
/// How long an ended writer tries to remove its note of its last group.
const FORGETTING: Duration = Duration::from_secs(2);
const FORGETTING_IN_SHUTDOWN: Duration = Duration::from_millis(200);

/// How much of a build's history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLimits {
    pub max_events: i64,
    /// Payload bytes plus [`ROW_OVERHEAD_BYTES`] per event.
    pub max_bytes: i64,
}

enum Command {
    Event(DateTime<Utc>, BuildEvent),
    Spent(Usage),
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
        let _ = self.sender.send(Command::Event(Utc::now(), without_nul(event))).await;
    }

    /// Queues the tokens a model reply used, to be added to the build's row.
    pub async fn spend(&self, used: Usage) {
        if used != Usage::default() {
            let _ = self.sender.send(Command::Spent(used)).await;
        }
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
/// dropped and the queue is written; after `shutdown`, it stops waiting for
/// an unreachable database.
pub fn spawn_writer(
    pool: DbPool,
    hub: Arc<EventHub>,
    build_id: Uuid,
    limits: EventLimits,
    shutdown: CancellationToken,
    metrics: BuildMetrics,
) -> (EventSink, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let writer = Writer {
        id: Uuid::new_v4(),
        pool,
        hub,
        build_id,
        limits,
        shutdown,
        metrics,
        volume: EventVolume::default(),
        group_bytes: 0,
        unsaved_drops: 0,
        unsaved_usage: Usage::default(),
    };
    let task = tokio::spawn(writer.run(receiver));
    (EventSink { sender }, task)
}

struct Writer {
    /// Whose groups are noted (a build has a writer per run and preview).
    id: Uuid,
    pool: DbPool,
    hub: Arc<EventHub>,
    build_id: Uuid,
    limits: EventLimits,
    shutdown: CancellationToken,
    metrics: BuildMetrics,
    /// The build's history as stored, this run's commits included.
    volume: EventVolume,
    /// What the group being gathered weighs.
    group_bytes: i64,
    /// Lines dropped and not yet added to the build's row.
    unsaved_drops: i64,
    /// Tokens spent and not yet added to the build's row.
    unsaved_usage: Usage,
}

/// How one attempt to store a group ended.
enum Attempt {
    Stored(Vec<StoredBuildEvent>),
    /// The database refused these events (not its connection): retrying
    /// them as they are would fail the same way.
    Refused(String),
    /// Shutdown came while the database was unreachable, or the build is gone.
    GaveUp(String),
}

impl Writer {
    async fn run(mut self, mut receiver: mpsc::Receiver<Command>) {
        self.volume = self.load_volume().await;
        let mut group: Vec<(DateTime<Utc>, BuildEvent)> = Vec::new();
        let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
        while let Some(first) = receiver.recv().await {
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Event(at, event) => self.admit(at, event, &mut group),
                    Command::Spent(used) => self.unsaved_usage = self.unsaved_usage + used.capped(),
                    Command::Flush(done) => waiting.push(done),
                }
                if group.len() < MAX_GROUP {
                    next = receiver.try_recv().ok();
                }
            }
            if !group.is_empty() || self.unsaved_drops > 0 || self.unsaved_usage != Usage::default() {
                self.group_bytes = 0;
                let stored = self.store(std::mem::take(&mut group)).await;
                publish(&self.hub, self.build_id, stored);
            }
            for done in waiting.drain(..) {
                let _ = done.send(());
            }
        }
        // Briefly: a database out of reach must not hold up the end of the
        // run (a shutdown has its grace to keep); a note left behind goes
        // with its build.
        let patience = if self.shutdown.is_cancelled() { FORGETTING_IN_SHUTDOWN } else { FORGETTING };
        let _ = tokio::time::timeout(patience, forget(&self.pool, self.id, self.build_id)).await;
    }

    async fn load_volume(&self) -> EventVolume {
        let loaded = async {
            let mut connection = self.pool.get().await?;
            repo::event_volume(&mut connection, self.build_id).await
        }
        .await;
        loaded.unwrap_or_else(|error| {
            tracing::warn!(build_id = %self.build_id, %error, "could not read the build's event volume; counting from zero");
            EventVolume::default()
        })
    }

    /// Adds `event` to the group, unless it is command output past the
    /// build's limits: that is counted, and the first such line is replaced
    /// by one note saying so.
    fn admit(&mut self, at: DateTime<Utc>, event: BuildEvent, group: &mut Vec<(DateTime<Utc>, BuildEvent)>) {
        // What the build itself makes happen: its output, and the hosts it tries to reach.
        let is_output = match &event {
            BuildEvent::Log { stream, .. } | BuildEvent::AppLog { stream, .. } => {
                *stream != LogStream::System
            }
            BuildEvent::Egress { .. } => true,
            _ => false,
        };
        let event_bytes = weight(&event);
        let events = self.volume.events + group.len() as i64 + 1;
        let bytes = self.volume.bytes + self.group_bytes + event_bytes;
        if is_output && (events > self.limits.max_events || bytes > self.limits.max_bytes) {
            let is_first_drop = self.volume.log_lines_dropped + self.unsaved_drops == 0;
            self.unsaved_drops += 1;
            if is_first_drop {
                group.push((at, self.limit_note()));
            }
            return;
        }
        self.group_bytes += event_bytes;
        group.push((at, event));
    }

    fn limit_note(&self) -> BuildEvent {
        BuildEvent::Error {
            severity: Severity::Warning,
            message: format!(
                "The build's log reached its limit ({} events or {} MB): further command output and network \
                 attempts are counted but not stored. The build goes on.",
                self.limits.max_events,
                self.limits.max_bytes / (1024 * 1024)
            ),
            recovered: true,
        }
    }

    /// Stores `events` in order: a group the database refuses is split in
    /// halves until the event it refuses is alone, and that one is replaced
    /// by a note.
    async fn store(&mut self, events: Vec<(DateTime<Utc>, BuildEvent)>) -> Vec<StoredBuildEvent> {
        let mut stored = Vec::with_capacity(events.len());
        let mut pending: VecDeque<Vec<(DateTime<Utc>, BuildEvent)>> = VecDeque::from([events]);
        while let Some(batch) = pending.pop_front() {
            match self.commit_patiently(&batch).await {
                Attempt::Stored(events) => stored.extend(events),
                Attempt::Refused(_) if batch.len() > 1 => {
                    let mut left = batch;
                    let right = left.split_off(left.len() / 2);
                    pending.push_front(right);
                    pending.push_front(left);
                }
                Attempt::Refused(reason) => {
                    let Some((at, refused)) = batch.into_iter().next() else { continue };
                    tracing::warn!(build_id = %self.build_id, kind = refused.kind(), %reason, "the database refused a build event; storing a note instead");
                    let note = refused_note(refused.kind(), &reason);
                    match self.commit_patiently(&[(at, note)]).await {
                        Attempt::Stored(events) => stored.extend(events),
                        Attempt::Refused(reason) | Attempt::GaveUp(reason) => {
                            tracing::error!(build_id = %self.build_id, %reason, "could not store a note for a refused event; it is lost")
                        }
                    }
                }
                Attempt::GaveUp(reason) => {
                    tracing::error!(build_id = %self.build_id, events = batch.len(), %reason, "build events could not be stored and are lost");
                }
            }
        }
        stored
    }

    /// Commits `batch`, waiting out an unreachable database (the runner
    /// waits meanwhile, rather than lose events) until shutdown begins.
    async fn commit_patiently(&mut self, batch: &[(DateTime<Utc>, BuildEvent)]) -> Attempt {
        let name = Uuid::new_v4();
        let started = std::time::Instant::now();
        let mut attempt: u32 = 0;
        let mut attempts_in_shutdown: u32 = 0;
        loop {
            let bytes: i64 = batch.iter().map(|(_, event)| weight(event)).sum();
            match self.commit(name, batch, bytes, attempt > 0).await {
                Ok(stored) => {
                    self.metrics.observe_event_commit(stored.len(), started.elapsed());
                    self.volume.events += stored.len() as i64;
                    self.volume.bytes += bytes;
                    self.volume.log_lines_dropped += std::mem::take(&mut self.unsaved_drops);
                    self.unsaved_usage = Usage::default();
                    return Attempt::Stored(stored);
                }
                Err(StoreError::Query(QueryError::NotFound)) => {
                    return Attempt::GaveUp("the build no longer exists".into())
                }
                Err(error) if !is_transient(&error) => return Attempt::Refused(error.to_string()),
                Err(error) => {
                    if self.shutdown.is_cancelled() {
                        attempts_in_shutdown += 1;
                        if attempts_in_shutdown > ATTEMPTS_AFTER_SHUTDOWN {
                            return Attempt::GaveUp(format!("the server is stopping and {error}"));
                        }
                    }
                    attempt += 1;
                    let wait = Duration::from_millis(100 * u64::from(attempt.min(50)));
                    tracing::warn!(build_id = %self.build_id, %error, attempt, events = batch.len(), "could not write build events; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        // Shutdown cuts a long wait short, then attempts are counted.
                        _ = self.shutdown.cancelled(), if attempts_in_shutdown == 0 => {}
                    }
                }
            }
        }
    }

    /// Stores `batch` as the group `name`. A try after a failed one first
    /// looks for the group: the failure may have come after its COMMIT.
    async fn commit(
        &self,
        name: Uuid,
        batch: &[(DateTime<Utc>, BuildEvent)],
        bytes: i64,
        is_retry: bool,
    ) -> Result<Vec<StoredBuildEvent>, StoreError> {
        let (writer, build_id) = (self.id, self.build_id);
        let counts = WriterCounts {
            event_bytes: bytes,
            log_lines_dropped: self.unsaved_drops,
            input_tokens: repo::stored_tokens(self.unsaved_usage.input_tokens),
            output_tokens: repo::stored_tokens(self.unsaved_usage.output_tokens),
        };
        let mut connection = self.pool.get().await?;
        connection
            .transaction(async |connection| {
                if is_retry {
                    if let Some(stored) = repo::stored_writer_group(connection, writer, name, batch).await? {
                        return Ok(stored);
                    }
                }
                // Counts first: a webhook enqueued with the events reads the
                // build's tokens.
                repo::add_writer_counts(connection, build_id, counts).await?;
                let stored = repo::append_events(connection, build_id, batch).await?;
                repo::note_writer_group(connection, writer, build_id, name, &stored).await?;
                Ok::<_, StoreError>(stored)
            })
            .await
    }
}

/// Removes an ended writer's note of its last group.
async fn forget(pool: &DbPool, writer: Uuid, build_id: Uuid) {
    let forgotten = async {
        let mut connection = pool.get().await?;
        repo::forget_writer(&mut connection, writer).await
    }
    .await;
    if let Err(error) = forgotten {
        tracing::debug!(%build_id, %error, "could not remove an ended event writer's note");
    }
}

/// What an event weighs against the build's byte limit.
fn weight(event: &BuildEvent) -> i64 {
    let payload = match event {
        BuildEvent::Log { line, .. } | BuildEvent::AppLog { line, .. } => line.len() + 40,
        other => serde_json::to_string(other).map(|json| json.len()).unwrap_or(0),
    };
    payload as i64 + ROW_OVERHEAD_BYTES
}

/// Whether the database (or the way to it) failed, rather than refused
/// what it was given: then the same statement may succeed later.
fn is_transient(error: &StoreError) -> bool {
    match error {
        StoreError::Pool(_) => true,
        StoreError::Query(QueryError::DatabaseError(kind, information)) => {
            matches!(
                kind,
                DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::UnableToSendCommand
                    | DatabaseErrorKind::SerializationFailure
            ) || {
                // Diesel reports timeouts, deadlocks, a full disk and an
                // operator's shutdown as "unknown", like refused data; their
                // messages tell them apart. Splitting a group over them would
                // only multiply the waits.
                let message = information.message();
                OUTAGE_MESSAGES.iter().any(|outage| message.contains(outage))
            }
        }
        StoreError::Query(QueryError::BrokenTransactionManager) => true,
        StoreError::Query(_) => false,
    }
}

/// PostgreSQL's words for failures that are the server's, not the data's.
const OUTAGE_MESSAGES: [&str; 6] = [
    "canceling statement due to",
    "deadlock detected",
    "could not extend file",
    "No space left on device",
    "terminating connection",
    "the database system is",
];

fn refused_note(kind: &str, reason: &str) -> BuildEvent {
    let reason: String = text_without_nul(reason.to_owned()).chars().take(300).collect();
    BuildEvent::Error {
        severity: Severity::Warning,
        message: format!("A {kind} event could not be stored ({reason}); this note stands in for it."),
        recovered: true,
    }
}

/// Hands committed events to the viewers in this process.
pub fn publish(hub: &EventHub, build_id: Uuid, stored: Vec<StoredBuildEvent>) {
    if let Some(last) = stored.last() {
        let up_to = last.seq;
        hub.publish(build_id, Committed { up_to, events: Some(stored.into()) });
    }
}
