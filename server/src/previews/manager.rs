//! The previews running in this process: started on the first visit, their
//! output written to the build's log as the `app` category, stopped after
//! the idle time, restarted on request, and stopped with the server.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_protocol::harness::PREVIEW_FILE;
use app::model::builds::{BuildEvent, LogStream};
use app::model::previews::{PreviewState, PreviewStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use super::credential_checks::CredentialChecks;
use super::manifest::PreviewManifest;
use super::{socket, PreviewSettings};
use crate::builds::build_metrics::BuildMetrics;
use crate::builds::events::{self, EventLimits, EventSink};
use crate::builds::hub::EventHub;
use crate::db::DbPool;
use crate::sandbox::{CommandOutput, Sandbox, SandboxEngine, SandboxError};

/// Output lines on their way to the log; a full channel slows the app's
/// output (the sandbox's reader waits), it never drops lines.
const OUTPUT_IN_FLIGHT: usize = 256;
/// How often a starting preview is asked whether it answers.
const PROBE_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(
        "This build has no work directory on this server (it has not started, or its work was archived and \
         removed), so its app cannot be previewed."
    )]
    WorkDirGone,
    #[error("The app has no start command yet: the agent writes one in {PREVIEW_FILE}.")]
    NoCommand,
    #[error("{0}")]
    BadManifest(String),
    #[error("The preview cannot run here: {0}")]
    Unavailable(String),
}

/// How a running preview is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Starting,
    Ready,
    Ended(String),
}

/// How a preview ended, as its status tells it.
#[derive(Debug, Clone)]
struct Ending {
    message: String,
    is_failure: bool,
}

/// One app being previewed.
pub struct RunningPreview {
    pub build_id: Uuid,
    pub owner_id: Uuid,
    pub manifest: PreviewManifest,
    /// Where the server connects to reach the app.
    pub socket: PathBuf,
    /// Requests and tunnels in flight, against the preview's cap.
    pub connections: Arc<Semaphore>,
    phase: watch::Sender<Phase>,
    last_used: Mutex<Instant>,
    stop: CancellationToken,
}

impl RunningPreview {
    pub fn phase(&self) -> Phase {
        self.phase.borrow().clone()
    }

    /// Waits up to `wait` for the app to answer; returns the phase then.
    pub async fn wait_ready(&self, wait: Duration) -> Phase {
        let mut phases = self.phase.subscribe();
        let _ = tokio::time::timeout(wait, phases.wait_for(|phase| *phase != Phase::Starting)).await;
        self.phase()
    }

    pub fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_used.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).elapsed()
    }

    fn has_ended(&self) -> bool {
        matches!(*self.phase.borrow(), Phase::Ended(_))
    }
}

pub struct Previews {
    pool: DbPool,
    hub: Arc<EventHub>,
    engine: Arc<dyn SandboxEngine>,
    metrics: BuildMetrics,
    event_limits: EventLimits,
    pub settings: PreviewSettings,
    /// Whether a grant's credential still signs its user in.
    pub credentials: CredentialChecks,
    running: Mutex<HashMap<Uuid, Arc<RunningPreview>>>,
    /// How the last preview of each build ended, for its status.
    last_endings: Mutex<HashMap<Uuid, Ending>>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
}

impl Previews {
    pub fn new(
        pool: DbPool,
        hub: Arc<EventHub>,
        engine: Arc<dyn SandboxEngine>,
        metrics: BuildMetrics,
        event_limits: EventLimits,
        settings: PreviewSettings,
    ) -> Self {
        Self {
            credentials: CredentialChecks::new(pool.clone(), settings.access_recheck),
            pool,
            hub,
            engine,
            metrics,
            event_limits,
            settings,
            running: Mutex::new(HashMap::new()),
            last_endings: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            shutdown: CancellationToken::new(),
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<RunningPreview>>> {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn last_ending(&self, build_id: Uuid) -> Option<Ending> {
        self.last_endings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&build_id).cloned()
    }

    /// What a build's preview is doing, or why there is none. The caller
    /// has checked that the build is the asker's.
    pub async fn status(&self, build_id: Uuid) -> PreviewStatus {
        let address = self.settings.origin.as_ref().map(|origin| origin.for_build(build_id));
        if address.is_none() {
            return PreviewStatus::unavailable("Previews are turned off on this server (PREVIEW_ADDR=off).");
        }
        let running = self.running().get(&build_id).cloned();
        if let Some(preview) = running.filter(|preview| !preview.has_ended()) {
            let state = match preview.phase() {
                Phase::Starting => PreviewState::Starting,
                _ => PreviewState::Running,
            };
            return PreviewStatus {
                state,
                message: None,
                command: Some(preview.manifest.command.clone()),
                port: Some(preview.manifest.port),
                address,
            };
        }
        match self.manifest(build_id).await {
            Ok((_, manifest)) => {
                let ending = self.last_ending(build_id);
                let state = if ending.as_ref().is_some_and(|ending| ending.is_failure) {
                    PreviewState::Failed
                } else {
                    PreviewState::Stopped
                };
                PreviewStatus {
                    state,
                    message: ending.map(|ending| ending.message),
                    command: Some(manifest.command),
                    port: Some(manifest.port),
                    address,
                }
            }
            Err(error) => PreviewStatus::unavailable(error.to_string()),
        }
    }

    /// The build's preview, started if it is not running. `owner_id` is
    /// who the access grant names; it must own the build.
    pub async fn ensure(
        self: &Arc<Self>,
        build_id: Uuid,
        owner_id: Uuid,
    ) -> Result<Arc<RunningPreview>, PreviewError> {
        if let Some(preview) = self.running().get(&build_id).filter(|preview| !preview.has_ended()) {
            if preview.owner_id != owner_id {
                return Err(PreviewError::WorkDirGone);
            }
            preview.touch();
            return Ok(preview.clone());
        }
        if !self.is_owner(build_id, owner_id).await {
            // Told apart from nothing: another user's build is no build.
            return Err(PreviewError::WorkDirGone);
        }
        let (sandbox, manifest) = self.manifest(build_id).await?;
        let socket = sandbox
            .service_socket()
            .ok_or_else(|| PreviewError::Unavailable("this sandbox engine cannot run previews".into()))?;
        let mut running = self.running();
        // Another request may have started it meanwhile.
        if let Some(preview) = running.get(&build_id).filter(|preview| !preview.has_ended()) {
            preview.touch();
            return Ok(preview.clone());
        }
        let preview = Arc::new(RunningPreview {
            build_id,
            owner_id,
            manifest,
            socket,
            connections: Arc::new(Semaphore::new(self.settings.max_connections)),
            phase: watch::Sender::new(Phase::Starting),
            last_used: Mutex::new(Instant::now()),
            stop: self.shutdown.child_token(),
        });
        running.insert(build_id, preview.clone());
        drop(running);
        let this = self.clone();
        let started = preview.clone();
        self.tasks.spawn(async move { this.run(started, sandbox).await });
        Ok(preview)
    }

    /// Stops the build's preview if it runs, and waits until it has.
    pub async fn stop(&self, build_id: Uuid) {
        let preview = self.running().get(&build_id).cloned();
        if let Some(preview) = preview {
            preview.stop.cancel();
            let mut phases = preview.phase.subscribe();
            let _ = phases.wait_for(|phase| matches!(phase, Phase::Ended(_))).await;
        }
    }

    /// Stops previews nobody has used for the idle time, until shutdown.
    pub async fn stop_idle(self: Arc<Self>) {
        let every = (self.settings.idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        let mut ticks = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = self.shutdown.cancelled() => return,
            }
            let idle: Vec<Arc<RunningPreview>> = self
                .running()
                .values()
                .filter(|preview| {
                    // An open tunnel or a streaming answer is use, however old its request.
                    let is_in_use = preview.connections.available_permits() < self.settings.max_connections;
                    !is_in_use && preview.idle_for() >= self.settings.idle
                })
                .cloned()
                .collect();
            for preview in idle {
                tracing::info!(build_id = %preview.build_id, "stopping an idle preview");
                preview.stop.cancel();
            }
        }
    }

    /// Stops every preview and waits for them.
    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }

    async fn is_owner(&self, build_id: Uuid, owner_id: Uuid) -> bool {
        let Ok(mut connection) = self.pool.get().await else {
            return false;
        };
        matches!(crate::builds::repo::find(&mut connection, owner_id, build_id).await, Ok(Some(_)))
    }

    /// Whether the build's app could start now: its work directory and a
    /// valid `preview.json` are there.
    pub async fn check_startable(&self, build_id: Uuid) -> Result<(), PreviewError> {
        self.manifest(build_id).await.map(|_| ())
    }

    async fn manifest(&self, build_id: Uuid) -> Result<(Arc<dyn Sandbox>, PreviewManifest), PreviewError> {
        let sandbox = match self.engine.open(build_id).await {
            Ok(Some(sandbox)) => sandbox,
            Ok(None) => return Err(PreviewError::WorkDirGone),
            Err(error) => return Err(PreviewError::Unavailable(error.to_string())),
        };
        let bytes = match sandbox.read_file(PREVIEW_FILE).await {
            Ok(bytes) => bytes,
            Err(SandboxError::NotFound(_)) => return Err(PreviewError::NoCommand),
            Err(error) => {
                return Err(PreviewError::BadManifest(format!("{PREVIEW_FILE} cannot be read: {error}")))
            }
        };
        let manifest = PreviewManifest::parse(&bytes).map_err(PreviewError::BadManifest)?;
        Ok((sandbox, manifest))
    }

    /// Runs the app until it exits or is stopped, its output into the log.
    async fn run(&self, preview: Arc<RunningPreview>, sandbox: Arc<dyn Sandbox>) {
        let (sink, writer) = events::spawn_writer(
            self.pool.clone(),
            self.hub.clone(),
            preview.build_id,
            self.event_limits,
            self.shutdown.clone(),
            self.metrics.clone(),
        );
        self.metrics.preview_started();
        let manifest = &preview.manifest;
        app_note(&sink, format!("Preview starting: `{}` on port {}", manifest.command, manifest.port)).await;
        let (output, lines) = mpsc::channel(OUTPUT_IN_FLIGHT);
        let relay = tokio::spawn(relay_output(lines, sink.clone()));
        let prober = tokio::spawn(probe_until_ready(preview.clone(), self.settings.start_timeout));
        let outcome = sandbox.serve(&manifest.command, manifest.port, output, preview.stop.clone()).await;
        prober.abort();
        let _ = relay.await;
        self.metrics.preview_ended();
        let ending = self.ending_of(&preview, outcome);
        app_note(&sink, ending.message.clone()).await;
        drop(sink);
        let _ = writer.await;
        preview.phase.send_replace(Phase::Ended(ending.message.clone()));
        self.last_endings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(preview.build_id, ending);
        let mut running = self.running();
        if running.get(&preview.build_id).is_some_and(|current| Arc::ptr_eq(current, &preview)) {
            running.remove(&preview.build_id);
        }
    }
}

impl Previews {
    /// What the way the app's command ended means for its owner.
    fn ending_of(
        &self,
        preview: &RunningPreview,
        outcome: Result<crate::sandbox::CommandOutcome, SandboxError>,
    ) -> Ending {
        let stopped = |message: String| Ending { message, is_failure: false };
        let failed = |message: String| Ending { message, is_failure: true };
        match outcome {
            Ok(outcome) if outcome.cancelled && self.shutdown.is_cancelled() => {
                stopped("Preview stopped: the server is stopping.".into())
            }
            Ok(outcome) if outcome.cancelled && preview.idle_for() >= self.settings.idle => stopped(format!(
                "Preview stopped after {} without visits; the next visit starts it again.",
                minutes(self.settings.idle)
            )),
            Ok(outcome) if outcome.cancelled => stopped("Preview stopped.".into()),
            Ok(outcome) => match outcome.exit_code {
                Some(code) => {
                    failed(format!("Preview failed: the app exited with code {code}; its output is in the App log."))
                }
                None => failed(
                    "Preview failed: the app was stopped by a limit of the sandbox; its output is in the App log."
                        .into(),
                ),
            },
            Err(error) => failed(format!("Preview failed: {error}")),
        }
    }
}

fn minutes(duration: Duration) -> String {
    match duration.as_secs() {
        secs if secs >= 60 && secs % 60 == 0 => format!("{} minutes", secs / 60),
        secs => format!("{secs} seconds"),
    }
}

async fn app_note(sink: &EventSink, line: String) {
    sink.emit(BuildEvent::AppLog { stream: LogStream::System, line }).await;
}

async fn relay_output(mut lines: mpsc::Receiver<CommandOutput>, sink: EventSink) {
    while let Some(output) = lines.recv().await {
        let event = match output {
            CommandOutput::Line(line) => BuildEvent::AppLog {
                stream: match line.stream {
                    crate::sandbox::OutputStream::Stdout => LogStream::Stdout,
                    crate::sandbox::OutputStream::Stderr => LogStream::Stderr,
                },
                line: line.text,
            },
            CommandOutput::Egress(record) => crate::builds::harness::tools::egress_event(record),
        };
        sink.emit(event).await;
    }
}

/// Marks the preview ready once its app answers an HTTP request through the
/// socket; stops it when it does not within `timeout`.
async fn probe_until_ready(preview: Arc<RunningPreview>, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if answers(&preview.socket).await {
            preview.phase.send_if_modified(|phase| {
                let is_starting = *phase == Phase::Starting;
                if is_starting {
                    *phase = Phase::Ready;
                }
                is_starting
            });
            return;
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
    tracing::warn!(build_id = %preview.build_id, "a preview did not answer in time; stopping it");
    preview.stop.cancel();
}

/// Whether anything answers a request on the socket: the forwarder closes
/// the connection at once while the app is not listening.
async fn answers(socket_path: &std::path::Path) -> bool {
    let attempt = async {
        let mut stream = socket::connect(socket_path).await.ok()?;
        stream.write_all(b"HEAD / HTTP/1.0\r\nHost: preview\r\n\r\n").await.ok()?;
        let mut first = [0_u8; 1];
        (stream.read(&mut first).await.ok()? == 1).then_some(())
    };
    tokio::time::timeout(Duration::from_secs(2), attempt).await.ok().flatten().is_some()
}
