//! Long-lived commands (a preview's app) per build, so that removing a work
//! directory first stops whatever still runs in it and waits for it: its
//! disk can then unmount, and nothing outlives its files.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

#[derive(Default)]
pub struct ServiceRegistry {
    builds: Mutex<HashMap<Uuid, Services>>,
}

/// A build's running services: what stops them, and what waits for them.
#[derive(Clone, Default)]
struct Services {
    stop: CancellationToken,
    running: TaskTracker,
}

impl ServiceRegistry {
    /// Runs `service` for build `id`, handing it a token that fires when
    /// `cancel` does or when the build's services are all stopped.
    pub async fn run<F: Future>(
        &self,
        id: Uuid,
        cancel: CancellationToken,
        service: impl FnOnce(CancellationToken) -> F,
    ) -> F::Output {
        let services = self
            .builds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(id)
            .or_default()
            .clone();
        let stop = CancellationToken::new();
        let watcher = {
            let (stop, removing) = (stop.clone(), services.stop.clone());
            tokio::spawn(async move {
                tokio::select! {
                    _ = cancel.cancelled() => {}
                    _ = removing.cancelled() => {}
                }
                stop.cancel();
            })
        };
        let outcome = services.running.track_future(service(stop)).await;
        watcher.abort();
        outcome
    }

    /// Stops build `id`'s services and waits until they have ended.
    pub async fn stop_all(&self, id: Uuid) {
        let services = self.builds.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&id);
        if let Some(services) = services {
            services.stop.cancel();
            services.running.close();
            services.running.wait().await;
        }
    }
}
