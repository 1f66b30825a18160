//! Builds: an autonomous agent turning a spec into an app inside a sandbox,
//! for minutes to hours. The builds table is a durable queue shared by every
//! server process; each build's events are committed before anyone sees
//! them, and stream to viewers in any process.

pub mod artifacts;
pub mod build_metrics;
pub mod checkpoints;
pub mod control;
pub mod events;
pub mod follower;
pub mod harness;
pub mod hub;
pub mod log_text;
pub mod queue;
pub mod repo;
pub mod runner;
pub mod service;
pub mod settings;
pub mod storable;
pub mod viewer;

use std::sync::Arc;

use app::ports::Specs;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::db::DbPool;
use crate::llm::prices::ModelPrices;
use crate::llm::LlmProvider;
use crate::previews::access::AccessSigner;
use crate::previews::{PreviewService, PreviewSettings, Previews};
use crate::sandbox::SandboxEngine;
use crate::storage::Storage;

pub use self::artifacts::{ArtifactService, ArtifactSettings};
pub use self::service::{BuildService, Spending};
pub use self::settings::BuildSettings;

/// The build engine of one server process: the service people reach, the
/// workers that run builds, and the listener that hears other processes.
pub struct BuildEngine {
    pub service: Arc<BuildService>,
    pub hub: Arc<hub::EventHub>,
    pub running: Arc<control::RunningBuilds>,
    pub artifacts: Arc<ArtifactService>,
    /// What this process's builds report to `/metrics`.
    pub metrics: build_metrics::BuildMetrics,
    /// The apps being previewed in this process's sandboxes.
    pub previews: Arc<Previews>,
    pub preview_service: Arc<PreviewService>,
    pub preview_signer: Arc<AccessSigner>,
    runner: Arc<runner::RunnerContext>,
    archiver: Arc<artifacts::Archiver>,
    tasks: TaskTracker,
    runs: TaskTracker,
    shutdown: CancellationToken,
}

/// What the build engine runs on: its settings, the sandbox engine and the
/// model the agent talks to.
#[derive(Clone)]
pub struct BuildSetup {
    pub settings: BuildSettings,
    pub sandbox: Arc<dyn SandboxEngine>,
    pub agent: Arc<dyn LlmProvider>,
    /// Where ended builds' work is archived, and how.
    pub storage: Storage,
    pub artifacts: ArtifactSettings,
    /// What models cost, for the builds' cost estimates.
    pub prices: ModelPrices,
    /// How the apps builds make are previewed.
    pub previews: PreviewSettings,
    /// Signs preview links and access grants.
    pub preview_signer: Arc<AccessSigner>,
}

impl BuildEngine {
    pub fn new(pool: DbPool, specs: Arc<dyn Specs>, setup: BuildSetup) -> Self {
        let BuildSetup {
            settings,
            sandbox: engine,
            agent: provider,
            storage,
            artifacts: artifact_settings,
            prices,
            previews: preview_settings,
            preview_signer,
        } = setup;
        let hub = Arc::new(hub::EventHub::new(pool.clone()));
        let metrics = build_metrics::BuildMetrics::default();
        let running = Arc::new(control::RunningBuilds::default());
        let shutdown = CancellationToken::new();
        let worker_id = Uuid::now_v7();
        let archive_wake = Arc::new(tokio::sync::Notify::new());
        let artifacts = Arc::new(ArtifactService::new(
            pool.clone(),
            storage.clone(),
            engine.clone(),
            artifact_settings.clone(),
            archive_wake.clone(),
        ));
        let checkpoints = checkpoints::Checkpoints::new(storage.clone(), artifact_settings.excludes.clone());
        let archiver = Arc::new(artifacts::Archiver {
            pool: pool.clone(),
            storage,
            engine: engine.clone(),
            hub: hub.clone(),
            settings: artifact_settings,
            worker_id,
            wake: archive_wake.clone(),
        });
        let previews = Arc::new(Previews::new(
            pool.clone(),
            hub.clone(),
            engine.clone(),
            metrics.clone(),
            settings.event_limits(),
            preview_settings,
        ));
        let preview_service =
            Arc::new(PreviewService::new(pool.clone(), previews.clone(), preview_signer.clone()));
        let service = Arc::new(BuildService::new(
            pool.clone(),
            specs,
            hub.clone(),
            running.clone(),
            provider.describe(),
            artifacts.clone(),
            Spending {
                token_budget: settings.token_budget,
                starts_per_user: settings.starts_per_user,
                prices,
            },
        ));
        let runner = Arc::new(runner::RunnerContext {
            pool,
            hub: hub.clone(),
            running: running.clone(),
            engine,
            provider,
            checkpoints,
            settings,
            worker_id,
            shutdown: shutdown.clone(),
            archive_wake,
            metrics: metrics.clone(),
        });
        Self {
            service,
            hub,
            running,
            artifacts,
            metrics,
            previews,
            preview_service,
            preview_signer,
            runner,
            archiver,
            tasks: TaskTracker::new(),
            runs: TaskTracker::new(),
            shutdown,
        }
    }

    /// Starts listening to other processes (with `database_url`) and, when
    /// this process has workers, running builds.
    pub fn start(&self, database_url: Option<String>) {
        if let Some(url) = database_url {
            self.tasks.spawn(hub::listen(url, self.hub.clone(), self.running.clone(), self.shutdown.clone()));
        }
        if self.runner.settings.workers > 0 {
            self.tasks.spawn(queue::dispatch(self.runner.clone(), self.runs.clone()));
        }
        self.tasks.spawn(self.archiver.clone().run(self.shutdown.clone()));
        self.tasks.spawn(self.previews.clone().stop_idle());
    }

    /// Ends viewer streams and stops the runs, at the first sign of shutdown.
    pub fn begin_shutdown(&self) {
        self.hub.closing.cancel();
        self.shutdown.cancel();
    }

    /// Stops taking builds and stops the running ones, leaving them for the
    /// next start (or another process) to resume; waits until they are saved.
    pub async fn shut_down(&self) {
        self.begin_shutdown();
        self.tasks.close();
        self.runs.close();
        self.runs.wait().await;
        self.previews.shut_down().await;
        self.tasks.wait().await;
    }

    /// This process's id in build leases.
    pub fn worker_id(&self) -> Uuid {
        self.runner.worker_id
    }
}
