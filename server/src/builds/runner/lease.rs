//! The lease a run holds on its build: renewed while the run goes on, and
//! the run stopped when the build is no longer its to run. Each renewal
//! also writes the build's working time as the run counts it, so a server
//! killed in the middle of a session loses at most the time since the last
//! renewal that reached the database.

use std::sync::Arc;

use app::model::builds::BuildStatus;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::RunnerContext;
use crate::builds::repo;

/// The build's working time as a run counts it: what the build had when
/// the run claimed it, and the whole seconds since. Written as a total the
/// row only ever rises to (`GREATEST`), so a write whose answer was lost,
/// made again, counts nothing twice.
#[derive(Debug, Clone, Copy)]
pub(super) struct WorkingTime {
    claimed_secs: i64,
    pub(super) started: tokio::time::Instant,
}

impl WorkingTime {
    pub(super) fn counting_from(claimed_secs: i64) -> Self {
        Self { claimed_secs, started: tokio::time::Instant::now() }
    }

    pub(super) fn total_secs(self) -> i64 {
        let since = i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        self.claimed_secs.saturating_add(since)
    }
}

/// Renews the lease until `stop`; re-reads the build's state when woken (a
/// cancel or pause) and stops the run when it is no longer running here.
/// A run that could not renew its lease for all but the last renewal
/// interval of it (its database out of reach) stops itself then, before
/// the lease runs out, since another process may then claim the build.
pub(super) async fn keep_lease(
    context: Arc<RunnerContext>,
    build_id: Uuid,
    wake: Arc<tokio::sync::Notify>,
    stop: CancellationToken,
    working: WorkingTime,
) {
    let settings = context.settings;
    let fence_after = settings.lease.saturating_sub(settings.renew_every());
    // The claim has just taken the lease.
    let mut stop_by = tokio::time::Instant::now() + fence_after;
    let fence = |reason: &str| {
        tracing::warn!(%build_id, "{reason}; stopping this run so that no other process runs the build at once");
        stop.cancel();
    };
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(stop_by) => return fence("could not renew the build's lease in time"),
            _ = tokio::time::sleep(settings.renew_every()) => {}
            _ = wake.notified() => {}
        }
        let asked_at = tokio::time::Instant::now();
        let renewing = async {
            let mut connection = context.pool.get().await?;
            let worked = working.total_secs();
            repo::renew_lease(&mut connection, build_id, context.worker_id, settings.lease, worked).await
        };
        let renewed = tokio::select! {
            _ = stop.cancelled() => return,
            renewed = tokio::time::timeout_at(stop_by, renewing) => renewed,
        };
        let status = match renewed {
            Ok(Ok(status)) => status,
            Ok(Err(error)) if tokio::time::Instant::now() < stop_by => {
                tracing::warn!(%build_id, %error, "could not renew a build's lease; will try again");
                continue;
            }
            _ => return fence("could not renew the build's lease in time"),
        };
        match status {
            Some(BuildStatus::Running) => stop_by = asked_at + fence_after,
            Some(status) => {
                tracing::info!(%build_id, status = status.as_str(), "the build was stopped by its owner");
                stop.cancel();
                return;
            }
            None => {
                tracing::warn!(%build_id, "lost the build's lease; stopping this run");
                stop.cancel();
                return;
            }
        }
    }
}
