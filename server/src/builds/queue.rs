//! The workers of this process: claim the oldest waiting build while a
//! worker is free, run it, and look again. Idle workers wake when a build is
//! queued (in any process, through the notification listener) and otherwise
//! poll, which also finds builds whose process died and paused builds whose
//! moment to resume has come.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use crate::builds::repo;
use crate::builds::runner::{run_build, RunnerContext};

/// Claims and runs builds until the server stops; runs are tracked by `runs`.
pub async fn dispatch(context: Arc<RunnerContext>, runs: TaskTracker) {
    let settings = context.settings;
    let free_workers = Arc::new(Semaphore::new(settings.workers));
    loop {
        let worker = tokio::select! {
            _ = context.shutdown.cancelled() => return,
            worker = free_workers.clone().acquire_owned() => match worker {
                Ok(worker) => worker,
                Err(_) => return,
            },
        };
        let claimed = async {
            let mut connection = context.pool.get().await?;
            repo::claim_next(&mut connection, context.worker_id, settings.lease, &context.running.ids()).await
        }
        .await;
        match claimed {
            Ok(Some(claimed)) => {
                tracing::info!(build_id = %claimed.build.id, resumed = claimed.was_started, "claimed a build");
                let context = context.clone();
                runs.spawn(async move {
                    run_build(context, claimed).await;
                    drop(worker);
                });
            }
            Ok(None) => {
                drop(worker);
                tokio::select! {
                    _ = context.shutdown.cancelled() => return,
                    _ = context.hub.wait_for_queued(settings.poll_every) => {}
                }
            }
            Err(error) => {
                drop(worker);
                tracing::warn!(%error, "could not look for builds to run");
                tokio::select! {
                    _ = context.shutdown.cancelled() => return,
                    _ = tokio::time::sleep(settings.poll_every) => {}
                }
            }
        }
    }
}
