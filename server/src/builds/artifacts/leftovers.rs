//! Work directories left on this machine after their build's archive was
//! stored: by a server killed between storing the archive and removing the
//! directory, or by a run here whose build another machine took over and
//! finished (a copy sessions behind the build). `SANDBOX_KEEP_WORKDIRS`
//! keeps current copies, never old ones. Only builds the database knows as
//! archived are touched: a directory it knows nothing of (another
//! deployment sharing the folder, a database restored from a backup) is
//! left alone.

use crate::builds::artifacts::repo::{self as artifact_repo, EndedBuild};
use crate::db::{Connect, DbPool, StoreError};
use crate::sandbox::{SandboxEngine, SandboxError};

#[derive(Debug, thiserror::Error)]
pub enum LeftoverError {
    #[error("the work directories here could not be listed: {0}")]
    Sandbox(#[from] SandboxError),
    #[error("the database could not be reached: {0}")]
    Store(#[from] StoreError),
}

/// Removes the leftovers; `keep_current` keeps the copies that are not
/// behind their build.
pub async fn remove_leftovers(
    engine: &dyn SandboxEngine,
    pool: &DbPool,
    keep_current: bool,
) -> Result<(), LeftoverError> {
    let held = engine.held().await?;
    if held.is_empty() {
        return Ok(());
    }
    let archived = {
        let mut connection = pool.connection().await?;
        artifact_repo::archived_among(&mut connection, &held).await?
    };
    for EndedBuild { build_id, sessions } in archived {
        let is_behind = matches!(engine.noted_session(build_id).await, Ok(Some(noted)) if noted < sessions);
        if keep_current && !is_behind {
            continue;
        }
        let sandbox = match engine.open(build_id).await {
            Ok(Some(sandbox)) => sandbox,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(%build_id, %error, "could not open an archived build's work directory");
                continue;
            }
        };
        match sandbox.destroy().await {
            Ok(()) => {
                tracing::info!(%build_id, is_behind, "removed a work directory left after its build was archived")
            }
            Err(error) => tracing::warn!(%build_id, %error, "could not remove a leftover work directory"),
        }
    }
    Ok(())
}
