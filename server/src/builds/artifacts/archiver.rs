//! Takes an ended build's work out of its sandbox: archives the work
//! directory as a tar.gz streamed into storage, reads it back to verify its
//! SHA-256, writes the evidence pack beside it, records it, and removes the
//! work directory. Each process archives the builds whose work directory it
//! holds; a claim with a lease keeps two processes from doing one twice, and
//! one that dies mid-upload leaves it for the next. Also runs the retention
//! policy.

use std::sync::Arc;
use std::time::Duration;

use app::model::builds::{BuildEvent, Severity, StoredBuildEvent};
use bytes::Bytes;
use chrono::Utc;
use diesel_async::AsyncConnection;
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::builds::artifacts::leftovers::remove_leftovers;
use crate::builds::artifacts::manifest::{build_manifest, ManifestInputs, GIT_LOG_COMMAND};
use crate::builds::artifacts::repo::{self as artifact_repo, EndedBuild, StoredArtifact};
use crate::builds::artifacts::{
    archive_key, build_prefix, checkpoints_prefix, manifest_key, ArtifactSettings,
};
use crate::builds::events;
use crate::builds::hub::EventHub;
use crate::builds::repo::{self as build_repo, BuildRow};
use crate::cpu_work::off_the_runtime;
use crate::db::{Connect, DbPool, StoreError};
use crate::sandbox::{CommandOutput, Sandbox, SandboxEngine};
use crate::storage::{Storage, StorageError};
use agent_protocol::feature_list::parse_feature_list;
use agent_protocol::harness::FEATURE_LIST_FILE;

/// How often an idle archiver looks for work anyway (other processes' retries).
const POLL_EVERY: Duration = Duration::from_secs(5);
/// A claim lasts this long without renewal; the archiver renews it while it works.
const CLAIM_LEASE: Duration = Duration::from_secs(60);
/// The retention policy is applied at most this often: within an hour of
/// an archive's time running out is soon enough.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// Archives looked at per pass: each process skips those whose work
/// directory is elsewhere, so the list must reach past them.
const WAITING_PER_PASS: i64 = 1_000;
/// An archive that has waited this long has no process holding its work
/// directory (each archives what it holds within seconds of the end).
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How often archives waiting past `GIVE_UP_AFTER`, and work directories
/// left after their archive, are looked for.
const GIVE_UP_EVERY: Duration = Duration::from_secs(600);
/// Evidence events read per build (test runs, feature ends, sessions).
const MAX_EVIDENCE_EVENTS: i64 = 200_000;

/// Shown in brackets after "The build's archive could not be stored".
const UNREACHABLE_WORK: &str =
    "no server has held its work directory for a day; if the server that ran the build comes back, retry";

pub struct Archiver {
    pub pool: DbPool,
    pub storage: Storage,
    pub engine: Arc<dyn SandboxEngine>,
    pub hub: Arc<EventHub>,
    pub settings: ArtifactSettings,
    /// This process's id in claims.
    pub worker_id: Uuid,
    /// Woken when a build of this process ends or a retry is asked for.
    pub wake: Arc<Notify>,
}

#[derive(Debug, thiserror::Error)]
enum ArchiveError {
    #[error("the work directory could not be read: {0}")]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("the database could not be reached: {0}")]
    Store(#[from] StoreError),
    #[error("the stored archive does not match what was sent (sha256 {stored} instead of {sent})")]
    Mismatch { sent: String, stored: String },
    #[error("the archive could not be written: {0}")]
    Incomplete(String),
}

impl From<diesel::result::Error> for ArchiveError {
    fn from(error: diesel::result::Error) -> Self {
        ArchiveError::Store(error.into())
    }
}

impl Archiver {
    /// Archives waiting builds until `shutdown`; an upload cut short by it
    /// is taken up again when its claim runs out.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut next_retention = tokio::time::Instant::now();
        let mut next_give_up = tokio::time::Instant::now();
        loop {
            if let Err(error) = self.archive_waiting(&shutdown).await {
                tracing::warn!(%error, "could not look for builds to archive");
            }
            if tokio::time::Instant::now() >= next_give_up {
                next_give_up = tokio::time::Instant::now() + GIVE_UP_EVERY;
                if let Err(error) = self.give_up_on_the_unreachable().await {
                    tracing::warn!(%error, "could not give up on archives nobody can make");
                }
                let keep_current = self.settings.keep_workdirs;
                if let Err(error) = remove_leftovers(self.engine.as_ref(), &self.pool, keep_current).await {
                    tracing::warn!(%error, "could not remove the work directories left after their archive");
                }
            }
            if let Some(retention) =
                self.settings.retention.filter(|_| tokio::time::Instant::now() >= next_retention)
            {
                // A short retention (minutes, in tests) is checked as often as it needs.
                next_retention = tokio::time::Instant::now()
                    + (retention / 24).clamp(Duration::from_secs(1), RETENTION_EVERY);
                if let Err(error) = self.expire_old().await {
                    tracing::warn!(%error, "could not apply the artifact retention policy");
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL_EVERY) => {}
            }
        }
    }

    async fn archive_waiting(&self, shutdown: &CancellationToken) -> Result<(), StoreError> {
        let waiting = {
            let mut connection = self.pool.connection().await?;
            artifact_repo::waiting(&mut connection, WAITING_PER_PASS).await?
        };
        for build in waiting {
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                _ = self.archive_if_here(build) => {}
            }
        }
        Ok(())
    }

    /// Archives the build if its work directory is on this machine, as of
    /// its last session, and nobody else took it meanwhile.
    async fn archive_if_here(&self, waiting: EndedBuild) {
        let EndedBuild { build_id, sessions } = waiting;
        // Read before the directory is opened, which would take its disk.
        if let Ok(Some(noted)) = self.engine.noted_session(build_id).await {
            if noted < sessions {
                // Left by a run here that another machine took over: the
                // build's work is on that one.
                tracing::debug!(%build_id, noted, sessions, "an ended build's work directory here is out of date");
                return;
            }
        }
        let sandbox = match self.engine.open(build_id).await {
            Ok(Some(sandbox)) => sandbox,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%build_id, %error, "could not open an ended build's sandbox to archive it");
                return;
            }
        };
        let claimed = async {
            let mut connection = self.pool.connection().await?;
            artifact_repo::claim(&mut connection, build_id, self.worker_id, CLAIM_LEASE).await
        }
        .await;
        match claimed {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::warn!(%build_id, %error, "could not claim a build's archive");
                return;
            }
        }
        let keeping = CancellationToken::new();
        let keeper = tokio::spawn(keep_claim(self.pool.clone(), build_id, self.worker_id, keeping.clone()));
        let outcome = self.archive(build_id, sandbox.as_ref()).await;
        keeping.cancel();
        let _ = keeper.await;
        match outcome {
            Ok(()) => {
                if !self.settings.keep_workdirs {
                    if let Err(error) = sandbox.destroy().await {
                        tracing::warn!(%build_id, %error, "could not remove an archived build's work directory");
                    }
                }
            }
            Err(error) => {
                let message = format!(
                    "The work could not be archived: {error}. The work directory is kept; retry from the \
                     build page once storage is back."
                );
                tracing::warn!(%build_id, %error, "archiving a build failed");
                self.record_failed(build_id, message).await;
            }
        }
    }

    /// Marks the archive failed and says why in the build's log, both in one
    /// commit, so whoever sees the failed state also finds the reason.
    async fn record_failed(&self, build_id: Uuid, message: String) {
        let worker = self.worker_id;
        let recorded = async {
            let mut connection = self.pool.connection().await?;
            let events = connection
                .transaction(async |connection| {
                    if !artifact_repo::record_failed(connection, build_id, worker, &message).await? {
                        return Ok::<_, StoreError>(None);
                    }
                    let event = BuildEvent::Error { severity: Severity::Error, message, recovered: true };
                    Ok(Some(build_repo::append_events(connection, build_id, &[(Utc::now(), event)]).await?))
                })
                .await?;
            Ok::<_, StoreError>(events)
        }
        .await;
        match recorded {
            Ok(Some(events)) => events::publish(&self.hub, build_id, events),
            Ok(None) => tracing::warn!(%build_id, "another process took the failed archive over"),
            Err(error) => {
                tracing::warn!(%build_id, %error, "could not record a failed archive; its claim will run out")
            }
        }
    }

    /// Uploads, verifies and records the archive and its manifest, with a
    /// line in the build's log.
    async fn archive(&self, build_id: Uuid, sandbox: &dyn Sandbox) -> Result<(), ArchiveError> {
        let build = {
            let mut connection = self.pool.connection().await?;
            build_repo::find_any(&mut connection, build_id).await?
        };
        let Some(build) = build else { return Err(ArchiveError::Incomplete("the build was deleted".into())) };
        let key = archive_key(build_id);
        let archive = sandbox.archive(self.settings.excludes.clone()).await?;
        let uploaded = self.storage.upload(&key, archive.stream).await?;
        let contents = archive
            .contents
            .await
            .map_err(|_| ArchiveError::Incomplete("the archive ended before its last file".into()))?;
        let stored = self.storage.sha256_of(&key).await?;
        if stored != uploaded.sha256 {
            return Err(ArchiveError::Mismatch { sent: uploaded.sha256, stored });
        }
        let features = match sandbox.read_file(FEATURE_LIST_FILE).await {
            Ok(bytes) => parse_feature_list(&bytes).ok(),
            Err(_) => None,
        };
        let events = self.evidence_events(build_id).await?;
        let git_log = run_collecting(sandbox, GIT_LOG_COMMAND).await;
        let engine = self.engine.describe();
        let manifest = build_manifest(ManifestInputs {
            build: &build,
            archive_key: key.as_str(),
            uploaded: &uploaded,
            contents,
            excluded: self.settings.excludes.patterns().to_vec(),
            features,
            events,
            git_log,
            engine: &engine,
        });
        let file_count = manifest.archive.file_count;
        // A manifest lists up to 32 MiB of files: writing it out is CPU work, kept off the runtime.
        let json = off_the_runtime(move || serde_json::to_vec_pretty(&manifest))
            .await
            .map_err(ArchiveError::Incomplete)?;
        self.storage.put(&manifest_key(build_id), Bytes::from(json)).await?;
        let line = archived_line(
            &build,
            uploaded.size_bytes,
            file_count,
            &uploaded.sha256,
            self.storage.backend_name(),
        );
        let stored = StoredArtifact {
            object_key: key.as_str(),
            size_bytes: uploaded.size_bytes as i64,
            sha256: &uploaded.sha256,
            file_count,
        };
        let worker = self.worker_id;
        let mut connection = self.pool.connection().await?;
        // The record and its log line commit together.
        let events = connection
            .transaction(async |connection| {
                if !artifact_repo::record_stored(connection, build_id, worker, stored).await? {
                    return Ok::<_, StoreError>(None);
                }
                let event = BuildEvent::system_log(line);
                Ok(Some(build_repo::append_events(connection, build_id, &[(Utc::now(), event)]).await?))
            })
            .await?;
        let Some(events) = events else {
            return Err(ArchiveError::Incomplete("another process took the archive over".into()));
        };
        events::publish(&self.hub, build_id, events);
        // The final archive supersedes them; any left (this failing) go when the build is deleted.
        if let Err(error) = self.storage.delete_prefix(&checkpoints_prefix(build_id)).await {
            tracing::warn!(%build_id, %error, "could not remove an archived build's checkpoints");
        }
        Ok(())
    }

    async fn evidence_events(&self, build_id: Uuid) -> Result<Vec<StoredBuildEvent>, ArchiveError> {
        let mut connection = self.pool.connection().await?;
        let rows = artifact_repo::evidence_events(&mut connection, build_id, MAX_EVIDENCE_EVENTS).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let event = serde_json::from_value(row.payload).ok()?;
                Some(StoredBuildEvent { seq: row.seq, at: row.created_at, event })
            })
            .collect())
    }

    /// Removes stored archives older than the retention period.
    async fn give_up_on_the_unreachable(&self) -> Result<(), StoreError> {
        let cutoff = Utc::now() - chrono::Duration::from_std(GIVE_UP_AFTER).unwrap_or(chrono::TimeDelta::MAX);
        let mut connection = self.pool.connection().await?;
        let given_up =
            artifact_repo::give_up_waiting_since(&mut connection, cutoff, UNREACHABLE_WORK).await?;
        if given_up > 0 {
            tracing::warn!(given_up, "gave up on archives whose work directory no server holds");
        }
        Ok(())
    }

    async fn expire_old(&self) -> Result<(), ArchiveError> {
        let Some(retention) = self.settings.retention else { return Ok(()) };
        let cutoff = Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
        let old = {
            let mut connection = self.pool.connection().await?;
            artifact_repo::stored_before(&mut connection, cutoff, 500).await?
        };
        for build_id in old {
            self.storage.delete_prefix(&build_prefix(build_id)).await?;
            let message = format!(
                "Removed on {} by the retention policy: archives are kept {} days.",
                Utc::now().format("%Y-%m-%d"),
                retention.as_secs() / 86_400
            );
            let mut connection = self.pool.connection().await?;
            artifact_repo::record_expired(&mut connection, build_id, &message).await?;
            tracing::info!(%build_id, "removed an archive past the retention period");
        }
        Ok(())
    }
}

fn archived_line(build: &BuildRow, size_bytes: u64, file_count: i32, sha256: &str, backend: &str) -> String {
    let megabytes = size_bytes as f64 / (1024.0 * 1024.0);
    format!(
        "The work of \"{}\" was archived: {megabytes:.1} MB, {file_count} files, sha256 {} (in {backend} storage). \
         Download it from this page.",
        build.spec_name,
        &sha256[..12.min(sha256.len())]
    )
}

/// Renews the claim until `stop`.
async fn keep_claim(pool: DbPool, build_id: Uuid, worker: Uuid, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(CLAIM_LEASE / 3) => {}
        }
        let renewed = async {
            let mut connection = pool.connection().await?;
            artifact_repo::renew_claim(&mut connection, build_id, worker, CLAIM_LEASE).await
        }
        .await;
        if let Err(error) = renewed {
            tracing::warn!(%build_id, %error, "could not renew an archive claim; will try again");
        }
    }
}

/// Runs `command` in the sandbox and answers its standard output lines
/// (none when it fails to start).
async fn run_collecting(sandbox: &dyn Sandbox, command: &str) -> Vec<String> {
    let (sender, mut receiver) = mpsc::channel(256);
    let collect = async {
        let mut lines = Vec::new();
        while let Some(output) = receiver.recv().await {
            if let CommandOutput::Line(line) = output {
                if line.stream == crate::sandbox::OutputStream::Stdout {
                    lines.push(line.text);
                }
            }
        }
        lines
    };
    let (outcome, lines) = tokio::join!(sandbox.run(command, sender, CancellationToken::new()), collect);
    if let Err(error) = outcome {
        tracing::warn!(%error, "could not read a build's git log");
    }
    lines
}
