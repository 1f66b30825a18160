//! The builds this process is running, so a cancel or pause reaches the
//! right runner at once: each runner re-reads its build's state when asked
//! (and on every lease renewal anyway).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;
use uuid::Uuid;

#[derive(Default)]
pub struct RunningBuilds {
    runners: Mutex<HashMap<Uuid, Arc<Notify>>>,
}

impl RunningBuilds {
    fn with_runners<T>(&self, work: impl FnOnce(&mut HashMap<Uuid, Arc<Notify>>) -> T) -> T {
        let mut runners = self.runners.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut runners)
    }

    /// Registers a runner; it is woken by [`RunningBuilds::check`] until the
    /// returned guard is dropped.
    pub fn register(self: &Arc<Self>, build_id: Uuid) -> (Arc<Notify>, Registration) {
        let notify = Arc::new(Notify::new());
        self.with_runners(|runners| runners.insert(build_id, notify.clone()));
        (notify, Registration { build_id, running: self.clone() })
    }

    /// The builds running in this process, which it must not claim again
    /// even when their leases have lapsed (a database outage): the run here
    /// is still going.
    pub fn ids(&self) -> Vec<Uuid> {
        self.with_runners(|runners| runners.keys().copied().collect())
    }

    /// Asks the runner of `build_id`, if it runs here, to look at its state.
    pub fn check(&self, build_id: Uuid) {
        if let Some(notify) = self.with_runners(|runners| runners.get(&build_id).cloned()) {
            notify.notify_one();
        }
    }
}

pub struct Registration {
    build_id: Uuid,
    running: Arc<RunningBuilds>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.running.with_runners(|runners| runners.remove(&self.build_id));
    }
}
