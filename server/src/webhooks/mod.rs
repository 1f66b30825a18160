//! Webhooks: a user's URLs that hear about their builds while they are
//! away. Deliveries wait in a PostgreSQL outbox, written with the events
//! that raise them, and are signed (Standard Webhooks) and retried with
//! backoff by a dispatcher in every server process.

pub mod destination;
pub mod dispatcher;
pub mod outbox;
pub mod repo;
pub mod service;
pub mod settings;
pub mod signing;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::db::DbPool;
use crate::quotas::Quotas;

pub use self::service::WebhookService;
pub use self::settings::WebhookSettings;

/// The webhooks of one server process: the service people reach and the
/// dispatcher that sends what is due.
pub struct WebhookEngine {
    pub service: Arc<WebhookService>,
    dispatcher: Arc<dispatcher::Dispatcher>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
}

impl WebhookEngine {
    /// `quotas` limits how many hooks an account keeps.
    pub fn new(pool: DbPool, settings: WebhookSettings, quotas: Quotas) -> Result<Self, reqwest::Error> {
        let dispatcher = Arc::new(dispatcher::Dispatcher::new(pool.clone(), settings)?);
        let service = Arc::new(WebhookService::new(pool, settings, quotas, dispatcher.clone()));
        Ok(Self { service, dispatcher, tasks: TaskTracker::new(), shutdown: CancellationToken::new() })
    }

    /// Starts sending deliveries as they fall due.
    pub fn start(&self) {
        self.tasks.spawn(self.dispatcher.clone().run(self.shutdown.clone()));
    }

    /// Stops taking deliveries, without waiting.
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Stops taking deliveries; a batch being sent finishes (each attempt
    /// has its time limit) and what is left waits in the outbox.
    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}
