//! The lease a run holds on its build: renewed while the run goes on, and
//! the run stopped when the build is no longer its to run. Each renewal
//! also adds the whole seconds worked since the last one to the build's
//! working time, so a server killed in the middle of a session loses at
//! most a renewal's worth of it.

use std::sync::Arc;
use std::time::Duration;

use app::model::builds::BuildStatus;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::RunnerContext;
use crate::builds::repo;

/// Renews the lease until `stop`; re-reads the build's state when woken (a
/// cancel or pause) and stops the run when it is no longer running here.
/// A run that could not renew its lease for all but the last renewal
/// interval of it (its database out of reach) stops itself then, before
/// the lease runs out, since another process may then claim the build.
/// Answers the time worked since `started` that no renewal added.
pub(super) async fn keep_lease(
    context: Arc<RunnerContext>,
    build_id: Uuid,
    wake: Arc<tokio::sync::Notify>,
    stop: CancellationToken,
    started: tokio::time::Instant,
) -> Duration {
    let mut worked = WorkedTime { counted_until: started };
    keep_renewing(&context, build_id, &wake, &stop, &mut worked).await;
    worked.counted_until.elapsed()
}

/// The run's working time, as the renewals add it to the build.
struct WorkedTime {
    /// Up to here, it is in the build's `active_secs`.
    counted_until: tokio::time::Instant,
}

impl WorkedTime {
    /// The whole seconds since the last count.
    fn uncounted_secs(&self) -> u64 {
        self.counted_until.elapsed().as_secs()
    }

    fn count(&mut self, secs: u64) {
        self.counted_until += Duration::from_secs(secs);
    }
}

async fn keep_renewing(
    context: &RunnerContext,
    build_id: Uuid,
    wake: &tokio::sync::Notify,
    stop: &CancellationToken,
    worked: &mut WorkedTime,
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
        let worked_secs = worked.uncounted_secs();
        let renewing = async {
            let mut connection = context.pool.get().await?;
            repo::renew_lease(&mut connection, build_id, context.worker_id, settings.lease, worked_secs).await
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
        if status.is_some() {
            worked.count(worked_secs);
        }
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
