//! A run's work directory: opened, created or restored from the latest
//! checkpoint when it starts, noted with the session it holds, and
//! checkpointed into object storage after each session.

use std::sync::Arc;

use app::model::builds::{BuildEvent, Severity};

use super::{Run, RunEnd};
use crate::builds::checkpoints::Checkpoint;
use crate::sandbox::{Sandbox, SandboxError};
use agent_protocol::harness::SPEC_FILE;

impl Run<'_> {
    /// The build's sandbox, and the session its work directory is as of
    /// (older than the build's last when restored from a checkpoint).
    pub(super) async fn prepare_sandbox(&self, was_started: bool) -> Result<(Arc<dyn Sandbox>, i32), RunEnd> {
        let engine = &self.context.engine;
        let id = self.build.id;
        let (sandbox, work_session) = if was_started {
            match engine.open(id).await {
                Ok(Some(sandbox)) => self.here_or_newer(sandbox).await?,
                Ok(None) => self.restore_latest().await?,
                Err(error) => {
                    return Err(RunEnd::Failed(format!("The sandbox could not be opened: {error}")))
                }
            }
        } else {
            let sandbox = engine
                .create(id)
                .await
                .map_err(|error| RunEnd::Failed(format!("The sandbox could not be created: {error}")))?;
            self.note_work_session(self.build.sessions).await;
            (sandbox, self.build.sessions)
        };
        if matches!(sandbox.read_file(SPEC_FILE).await, Err(SandboxError::NotFound(_))) {
            sandbox.write_file(SPEC_FILE, self.build.spec_content.as_bytes()).await.map_err(|error| {
                RunEnd::Failed(format!("The spec could not be written into the sandbox: {error}"))
            })?;
        }
        Ok((sandbox, work_session))
    }

    /// This machine's work directory; or, when later sessions ran on
    /// another machine, the latest checkpoint if it is newer.
    async fn here_or_newer(&self, sandbox: Arc<dyn Sandbox>) -> Result<(Arc<dyn Sandbox>, i32), RunEnd> {
        let id = self.build.id;
        // No note (a directory made before notes were kept, or one whose
        // note could not be written): taken as current, as it was before.
        let noted = self.context.engine.noted_session(id).await.ok().flatten().unwrap_or(self.build.sessions);
        if noted >= self.build.sessions {
            return Ok((sandbox, self.build.sessions));
        }
        let checkpoint = match self.context.checkpoints.latest(id).await {
            Ok(Some(checkpoint)) if checkpoint.session > noted => checkpoint,
            Ok(_) => {
                self.events
                    .emit(BuildEvent::system_log(format!(
                        "This machine's work directory holds the build as of session {noted}, and no later \
                         checkpoint is stored: work after that session is done again."
                    )))
                    .await;
                return Ok((sandbox, noted));
            }
            Err(error) => return Err(checkpoint_unavailable(error.to_string())),
        };
        tracing::info!(build_id = %id, noted, "this machine's work directory is older than the latest checkpoint");
        sandbox.destroy().await.map_err(|error| RunEnd::Paused {
            reason: format!(
                "This machine's copy of the work directory is out of date and could not be removed, to \
                 restore the newer checkpoint of session {}: {error}. Resume the build to try again.",
                checkpoint.session
            ),
            resume_at: None,
        })?;
        // Its disk is let go before the restore makes the build a new one.
        drop(sandbox);
        self.restore(checkpoint).await
    }

    /// A new work directory holding the latest checkpoint, for a started
    /// build whose work directory is not on this machine. Fails the build
    /// when it has no checkpoint; pauses it when storage cannot give one
    /// now, so that a resume tries again.
    async fn restore_latest(&self) -> Result<(Arc<dyn Sandbox>, i32), RunEnd> {
        match self.context.checkpoints.latest(self.build.id).await {
            Ok(Some(checkpoint)) => self.restore(checkpoint).await,
            Ok(None) => Err(RunEnd::Failed(
                "The build's sandbox is gone (its work directory no longer exists and no checkpoint of it is \
                 stored), so it cannot resume. Start a new build of the spec."
                    .into(),
            )),
            Err(error) => Err(checkpoint_unavailable(error.to_string())),
        }
    }

    async fn restore(&self, checkpoint: Checkpoint) -> Result<(Arc<dyn Sandbox>, i32), RunEnd> {
        let id = self.build.id;
        let sandbox = self
            .context
            .engine
            .create(id)
            .await
            .map_err(|error| RunEnd::Failed(format!("The sandbox could not be created: {error}")))?;
        // Noted before it is unpacked: a restore cut short is marked, and
        // removed on the next open, whatever its note says.
        self.note_work_session(checkpoint.session).await;
        let unpacked = match self.context.checkpoints.restore(&checkpoint, sandbox.as_ref()).await {
            Ok(unpacked) => unpacked,
            Err(error) => {
                // Half a work directory must not pass for the whole on the next open.
                if let Err(error) = sandbox.destroy().await {
                    tracing::warn!(build_id = %id, %error, "could not remove a partly restored work directory");
                }
                return Err(checkpoint_unavailable(error.to_string()));
            }
        };
        tracing::info!(build_id = %id, session = checkpoint.session, ?unpacked, "restored a work directory");
        let megabytes = checkpoint.size_bytes as f64 / (1024.0 * 1024.0);
        self.events
            .emit(BuildEvent::system_log(format!(
                "Restored the work directory from the checkpoint of session {} ({megabytes:.1} MB): this \
                 machine had no current copy of it. Work after that session is done again.",
                checkpoint.session
            )))
            .await;
        Ok((sandbox, checkpoint.session))
    }

    /// Notes that the work directory holds the build up to `session`, so
    /// that this copy is known for an old one once later sessions run
    /// elsewhere. A note that cannot be written is removed, and the copy
    /// then passes for current, as directories from before the notes do.
    pub(super) async fn note_work_session(&self, session: i32) {
        if let Err(error) = self.context.engine.note_session(self.build.id, session).await {
            tracing::warn!(build_id = %self.build.id, session, %error, "could not note a work directory's session");
            let message = format!(
                "This machine could not note that its work directory holds session {session}: {error}. Should \
                 the build move to another machine and back, this copy may be taken for current."
            );
            self.events
                .emit(BuildEvent::Error { severity: Severity::Warning, message, recovered: true })
                .await;
        }
    }

    /// Stores the work directory as the checkpoint of the session just
    /// recorded, and prunes the old ones. A failure is a warning in the
    /// log, never the build's end.
    pub(super) async fn checkpoint(&self, sandbox: &dyn Sandbox) {
        let (id, session) = (self.build.id, self.build.sessions);
        let checkpoints = &self.context.checkpoints;
        match checkpoints.store(id, session, sandbox).await {
            Ok(stored) => {
                tracing::debug!(build_id = %id, session, size_bytes = stored.size_bytes, "checkpoint stored");
                if let Err(error) = checkpoints.prune(id).await {
                    tracing::warn!(build_id = %id, %error, "could not remove old checkpoints");
                }
            }
            Err(error) => {
                tracing::warn!(build_id = %id, session, %error, "could not store a checkpoint");
                let message = format!(
                    "The checkpoint of session {session} could not be stored: {error}. The build goes on; \
                     if this machine stops, another resumes from an older checkpoint, if any."
                );
                self.events
                    .emit(BuildEvent::Error { severity: Severity::Warning, message, recovered: true })
                    .await;
            }
        }
    }
}

/// Pauses the build: a resume tries storage again.
fn checkpoint_unavailable(error: String) -> RunEnd {
    RunEnd::Paused {
        reason: format!(
            "This machine does not have the build's latest work directory, and its checkpoint could not be restored: \
             {error}. Resume the build to try again."
        ),
        resume_at: None,
    }
}
