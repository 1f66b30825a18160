//! A run's work directory: opened, created or restored from the latest
//! checkpoint when it starts, and checkpointed into object storage after
//! each session.

use std::sync::Arc;

use app::model::builds::{BuildEvent, Severity};

use super::{Run, RunEnd};
use crate::sandbox::{Sandbox, SandboxError};
use agent_protocol::harness::SPEC_FILE;

impl Run<'_> {
    /// The build's sandbox, and the session its work directory is as of
    /// (older than the build's last when restored from a checkpoint).
    pub(super) async fn prepare_sandbox(&self, was_started: bool) -> Result<(Arc<dyn Sandbox>, i32), RunEnd> {
        let engine = &self.context.engine;
        let id = self.build.id;
        let mut work_session = self.build.sessions;
        let sandbox = if was_started {
            match engine.open(id).await {
                Ok(Some(sandbox)) => sandbox,
                Ok(None) => {
                    let (sandbox, checkpoint_session) = self.restore_from_checkpoint().await?;
                    work_session = checkpoint_session;
                    sandbox
                }
                Err(error) => {
                    return Err(RunEnd::Failed(format!("The sandbox could not be opened: {error}")))
                }
            }
        } else {
            engine
                .create(id)
                .await
                .map_err(|error| RunEnd::Failed(format!("The sandbox could not be created: {error}")))?
        };
        if matches!(sandbox.read_file(SPEC_FILE).await, Err(SandboxError::NotFound(_))) {
            sandbox.write_file(SPEC_FILE, self.build.spec_content.as_bytes()).await.map_err(|error| {
                RunEnd::Failed(format!("The spec could not be written into the sandbox: {error}"))
            })?;
        }
        Ok((sandbox, work_session))
    }

    /// A new work directory holding the latest checkpoint, for a started
    /// build whose work directory is not on this machine. Fails the build
    /// when it has no checkpoint; pauses it when storage cannot give one
    /// now, so that a resume tries again.
    async fn restore_from_checkpoint(&self) -> Result<(Arc<dyn Sandbox>, i32), RunEnd> {
        let id = self.build.id;
        let checkpoints = &self.context.checkpoints;
        let unavailable = |error: String| RunEnd::Paused {
            reason: format!(
                "This machine does not have the build's work directory, and its checkpoint could not be \
                 restored: {error}. Resume the build to try again."
            ),
            resume_at: None,
        };
        let checkpoint =
            match checkpoints.latest(id).await {
                Ok(Some(checkpoint)) => checkpoint,
                Ok(None) => return Err(RunEnd::Failed(
                    "The build's sandbox is gone (its work directory no longer exists and no checkpoint of \
                     it is stored), so it cannot resume. Start a new build of the spec."
                        .into(),
                )),
                Err(error) => return Err(unavailable(error.to_string())),
            };
        let sandbox = self
            .context
            .engine
            .create(id)
            .await
            .map_err(|error| RunEnd::Failed(format!("The sandbox could not be created: {error}")))?;
        let unpacked = match checkpoints.restore(&checkpoint, sandbox.as_ref()).await {
            Ok(unpacked) => unpacked,
            Err(error) => {
                // Half a work directory must not pass for the whole on the next open.
                if let Err(error) = sandbox.destroy().await {
                    tracing::warn!(build_id = %id, %error, "could not remove a partly restored work directory");
                }
                return Err(unavailable(error.to_string()));
            }
        };
        tracing::info!(build_id = %id, session = checkpoint.session, ?unpacked, "restored a work directory");
        let megabytes = checkpoint.size_bytes as f64 / (1024.0 * 1024.0);
        self.events
            .emit(BuildEvent::system_log(format!(
                "Restored the work directory from the checkpoint of session {} ({megabytes:.1} MB): this \
                 machine did not have it. Work after that session is done again.",
                checkpoint.session
            )))
            .await;
        Ok((sandbox, checkpoint.session))
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
