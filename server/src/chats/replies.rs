//! Replies being written: each runs as a task that streams from the model,
//! saves its text as it grows (at most a second behind), and fans the
//! pieces out to every page following the chat. A reply outlives the
//! request that started it, so reloading the page loses nothing. Each save
//! also renews the writer's lease on the reply's row, and reads whether
//! another server was asked to stop it (see `ChatService` for the servers
//! that are not writing it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::model::chats::{ReplyEvent, ReplyStatus};
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::chats::repo::{self, FinishedReply, KeepWriting};
use crate::db::DbPool;
use crate::llm::continuation::stream_with_continuation;
use crate::llm::{CompletionRequest, LlmProvider, StreamEvent, Usage};

/// How often a growing reply is written to the database and its lease
/// renewed: also how soon a Stop asked on another server is seen.
const KEEP_WRITING_EVERY: Duration = Duration::from_secs(1);
/// How long one save may take before the writer goes on streaming.
const KEEP_WRITING_TIMEOUT: Duration = Duration::from_secs(3);
/// Pieces a slow follower may fall behind by; past that it gets a fresh
/// snapshot instead of the pieces it missed.
const FOLLOWER_BUFFER: usize = 1024;
/// Tries at saving how a reply ended before giving up.
const SAVE_ATTEMPTS: u32 = 4;

struct LiveReply {
    message_id: Uuid,
    text: String,
    events: broadcast::Sender<ReplyEvent>,
    stop: CancellationToken,
}

/// What a page following a chat receives first.
pub enum Following {
    Live { snapshot: ReplyEvent, events: broadcast::Receiver<ReplyEvent> },
    Idle,
}

impl Following {
    /// What a follower is sent: the text so far, then each piece until the
    /// reply is done; or `Idle` alone. A follower that falls too far behind
    /// is cut off, and its browser reconnects to a fresh snapshot.
    pub fn into_events(self) -> BoxStream<'static, ReplyEvent> {
        match self {
            Following::Idle => stream::iter([ReplyEvent::Idle]).boxed(),
            Following::Live { snapshot, events } => {
                let pieces = stream::unfold(Some(events), |events| async move {
                    let mut events = events?;
                    match events.recv().await {
                        Ok(done @ ReplyEvent::Done { .. }) => Some((done, None)),
                        Ok(event) => Some((event, Some(events))),
                        Err(RecvError::Lagged(missed)) => {
                            tracing::debug!(missed, "a reply follower fell behind; closing its stream");
                            None
                        }
                        Err(RecvError::Closed) => None,
                    }
                });
                stream::iter([snapshot]).chain(pieces).boxed()
            }
        }
    }
}

/// The replies being written now, by chat.
pub struct ReplyHub {
    live: Mutex<HashMap<Uuid, LiveReply>>,
    tasks: TaskTracker,
    /// Cancelled when the server shuts down.
    shutdown: CancellationToken,
}

impl Default for ReplyHub {
    fn default() -> Self {
        Self {
            live: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            shutdown: CancellationToken::new(),
        }
    }
}

impl ReplyHub {
    fn with_live<T>(&self, work: impl FnOnce(&mut HashMap<Uuid, LiveReply>) -> T) -> T {
        // The map stays consistent even if a holder panicked: every change is one insert or remove.
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut live)
    }

    /// The text so far of the chat's reply, when one is being written.
    pub fn text_so_far(&self, chat_id: Uuid) -> Option<(Uuid, String)> {
        self.with_live(|live| live.get(&chat_id).map(|reply| (reply.message_id, reply.text.clone())))
    }

    /// The text so far and every later piece, with no gap between them: both
    /// are taken under the lock the writer appends under.
    pub fn follow(&self, chat_id: Uuid) -> Following {
        self.with_live(|live| match live.get(&chat_id) {
            Some(reply) => Following::Live {
                snapshot: ReplyEvent::Snapshot { message_id: reply.message_id, content: reply.text.clone() },
                events: reply.events.subscribe(),
            },
            None => Following::Idle,
        })
    }

    /// Asks the chat's reply to stop; answers a receiver that sees it end,
    /// or `None` when no reply is being written.
    pub fn stop(&self, chat_id: Uuid) -> Option<broadcast::Receiver<ReplyEvent>> {
        self.with_live(|live| {
            live.get(&chat_id).map(|reply| {
                let ended = reply.events.subscribe();
                reply.stop.cancel();
                ended
            })
        })
    }

    /// Starts writing the reply `message_id` of `chat_id`.
    pub fn start(
        self: &Arc<Self>,
        writer: ReplyWriter,
        chat_id: Uuid,
        message_id: Uuid,
        request: CompletionRequest,
    ) {
        let stop = self.shutdown.child_token();
        let (events, _) = broadcast::channel(FOLLOWER_BUFFER);
        self.with_live(|live| {
            live.insert(chat_id, LiveReply { message_id, text: String::new(), events, stop: stop.clone() })
        });
        let hub = Arc::clone(self);
        self.tasks.spawn(async move { writer.write(&hub, chat_id, message_id, request, stop).await });
    }

    fn append(&self, chat_id: Uuid, message_id: Uuid, piece: &str) {
        self.with_live(|live| {
            if let Some(reply) = live.get_mut(&chat_id).filter(|reply| reply.message_id == message_id) {
                reply.text.push_str(piece);
                // No followers is fine: the text is kept for the next one.
                let _ = reply
                    .events
                    .send(ReplyEvent::Delta { message_id: reply.message_id, text: piece.to_owned() });
            }
        });
    }

    /// Ends the reply `message_id`; a newer reply of the same chat, started
    /// the moment this one was saved, is left alone.
    fn end(&self, chat_id: Uuid, message_id: Uuid, done: ReplyEvent) {
        let ended = self.with_live(|live| match live.get(&chat_id) {
            Some(reply) if reply.message_id == message_id => live.remove(&chat_id),
            _ => None,
        });
        if let Some(reply) = ended {
            let _ = reply.events.send(done);
        }
    }

    /// Stops replies from this moment on, as the server begins to shut down.
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Stops every reply (each is saved as interrupted) and waits for them.
    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// The chats whose reply this server is writing.
    pub fn live_chats(&self) -> Vec<Uuid> {
        self.with_live(|live| live.keys().copied().collect())
    }

    /// Cancelled when the server begins to shut down.
    pub fn shutdown_signal(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// What a reply needs to be written.
#[derive(Clone)]
pub struct ReplyWriter {
    pub pool: DbPool,
    pub provider: Arc<dyn LlmProvider>,
    pub max_continuations: u32,
}

struct Progress {
    text: String,
    model: Option<String>,
    usage: Option<Usage>,
}

impl ReplyWriter {
    async fn write(
        self,
        hub: &ReplyHub,
        chat_id: Uuid,
        message_id: Uuid,
        request: CompletionRequest,
        stop: CancellationToken,
    ) {
        let mut progress = Progress { text: String::new(), model: None, usage: None };
        let (status, error) = self.stream(hub, chat_id, message_id, request, &stop, &mut progress).await;
        let status = match status {
            ReplyStatus::Stopped if hub.is_shutting_down() => ReplyStatus::Interrupted,
            other => other,
        };
        let error = match status {
            ReplyStatus::Interrupted => {
                error.or_else(|| Some("The server restarted while this reply was being written.".to_owned()))
            }
            _ => error,
        };
        let tokens = |count: u64| i32::try_from(count).ok();
        let finished = FinishedReply {
            content: &progress.text,
            status,
            error: error.as_deref(),
            model: progress.model.as_deref(),
            input_tokens: progress.usage.and_then(|usage| tokens(usage.input_tokens)),
            output_tokens: progress.usage.and_then(|usage| tokens(usage.output_tokens)),
        };
        // A reply left `streaming` would block its chat: try hard to save the end.
        let mut told = (status, error.clone());
        for attempt in 1..=SAVE_ATTEMPTS {
            match self.save_finished(message_id, &finished).await {
                Ok(None) => break,
                // Another server ended it first (it took this writer for
                // gone): followers are told what is stored.
                Ok(Some(stored)) => {
                    told = stored;
                    break;
                }
                Err(error) if attempt < SAVE_ATTEMPTS => {
                    tracing::warn!(%chat_id, %message_id, %error, attempt, "could not save the end of a reply; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                Err(error) => {
                    tracing::error!(%chat_id, %message_id, %error, "could not save the end of a reply")
                }
            }
        }
        let (status, error) = told;
        hub.end(chat_id, message_id, ReplyEvent::Done { message_id, status, error });
    }

    async fn stream(
        &self,
        hub: &ReplyHub,
        chat_id: Uuid,
        message_id: Uuid,
        request: CompletionRequest,
        stop: &CancellationToken,
        progress: &mut Progress,
    ) -> (ReplyStatus, Option<String>) {
        let mut events = stream_with_continuation(self.provider.clone(), request, self.max_continuations);
        let mut keep_writing =
            tokio::time::interval_at(Instant::now() + KEEP_WRITING_EVERY, KEEP_WRITING_EVERY);
        keep_writing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut saved_len = 0;
        loop {
            let event = tokio::select! {
                _ = stop.cancelled() => return (ReplyStatus::Stopped, None),
                _ = keep_writing.tick() => {
                    let grown = (progress.text.len() != saved_len).then_some(progress.text.as_str());
                    match self.keep_writing(message_id, grown).await {
                        Ok(KeepWriting::Yes) => saved_len = progress.text.len(),
                        Ok(KeepWriting::StopAsked) => return (ReplyStatus::Stopped, None),
                        Ok(KeepWriting::Gone) => {
                            let why = "This reply stopped being written before it was finished.";
                            return (ReplyStatus::Interrupted, Some(why.to_owned()));
                        }
                        Err(error) => {
                            tracing::warn!(%chat_id, %error, "could not save a growing reply; will try again");
                        }
                    }
                    continue;
                }
                event = events.next() => event,
            };
            match event {
                Some(Ok(StreamEvent::Started { model })) => progress.model = Some(model),
                Some(Ok(StreamEvent::TextDelta(piece))) => {
                    progress.text.push_str(&piece);
                    hub.append(chat_id, message_id, &piece);
                }
                Some(Ok(StreamEvent::Usage(usage))) => progress.usage = Some(usage),
                Some(Ok(StreamEvent::ToolCall(call))) => {
                    tracing::warn!(tool = %call.name, "the spec chat offers no tools; ignoring a tool call");
                }
                Some(Ok(StreamEvent::Finished(reason))) => {
                    tracing::debug!(%chat_id, ?reason, "reply finished");
                    return (ReplyStatus::Complete, None);
                }
                Some(Err(error)) => {
                    tracing::warn!(%chat_id, %error, "reply failed");
                    return (ReplyStatus::Failed, Some(error.to_string()));
                }
                None => {
                    return (
                        ReplyStatus::Failed,
                        Some("The model stopped without finishing its reply.".into()),
                    );
                }
            }
        }
    }

    /// Saves and renews, for a few seconds at most: a renewal that hangs
    /// must not hold up Stop or the next renewal past the lease.
    async fn keep_writing(&self, message_id: Uuid, grown: Option<&str>) -> Result<KeepWriting, String> {
        let renewal = async {
            let mut connection = self.pool.get().await?;
            repo::keep_writing_reply(&mut connection, message_id, grown).await
        };
        match tokio::time::timeout(KEEP_WRITING_TIMEOUT, renewal).await {
            Ok(answer) => answer.map_err(|error: crate::db::StoreError| error.to_string()),
            Err(_) => Err(format!("no answer from the database in {KEEP_WRITING_TIMEOUT:?}")),
        }
    }

    /// Saves how the reply ended; when another server ended it first,
    /// answers how it is stored instead.
    async fn save_finished(
        &self,
        message_id: Uuid,
        reply: &FinishedReply<'_>,
    ) -> Result<Option<(ReplyStatus, Option<String>)>, crate::db::StoreError> {
        let mut connection = self.pool.get().await?;
        if repo::finish_reply(&mut connection, message_id, reply).await? {
            return Ok(None);
        }
        let stored = repo::stored_reply(&mut connection, message_id).await?;
        Ok(stored.map(|(_, status, error)| (status, error)))
    }
}
