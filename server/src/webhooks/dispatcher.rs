//! Sends due deliveries: claims a batch from the outbox, posts each signed
//! message with a time limit, and records the answer (or schedules the next
//! attempt). Every server process runs one; claims keep them apart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::CONTENT_TYPE;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::destination::{self, PublicResolver};
use super::outbox::{self, Attempt, DueDelivery};
use super::signing::{self, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::WebhookSettings;
use crate::db::{DbPool, StoreError};

/// Deliveries one process sends at once.
const BATCH: i64 = 8;
/// How often finished deliveries past their keep are removed.
const FORGET_EVERY: Duration = Duration::from_secs(3600);
/// A failure's reason as stored and shown: enough to act on, never a page.
const MAX_ERROR_CHARS: usize = 300;

pub struct Dispatcher {
    pool: DbPool,
    settings: WebhookSettings,
    client: reqwest::Client,
    worker: Uuid,
    /// Rung when a delivery is queued in this process, so it goes at once.
    pub wake: Notify,
}

impl Dispatcher {
    pub fn new(pool: DbPool, settings: WebhookSettings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("agents-platform-webhooks/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // A redirect could lead anywhere, a private address included.
            .redirect(reqwest::redirect::Policy::none())
            // Through an HTTP(S)_PROXY the proxy would resolve the name, and
            // the address check below would never see where a hook goes.
            .no_proxy()
            .dns_resolver(PublicResolver { allow_private: settings.allow_private_networks })
            .build()?;
        Ok(Self { pool, settings, client, worker: Uuid::now_v7(), wake: Notify::new() })
    }

    /// Sends what is due until `shutdown`, looking again every
    /// `poll_every` or when woken.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut forgotten_at: Option<Instant> = None;
        loop {
            loop {
                match self.send_due_batch().await {
                    Ok(0) => break,
                    Ok(_) if shutdown.is_cancelled() => return,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "could not read the webhook outbox; will try again");
                        break;
                    }
                }
            }
            if forgotten_at.is_none_or(|at| at.elapsed() >= FORGET_EVERY) {
                forgotten_at = Some(Instant::now());
                self.forget_old().await;
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.settings.poll_every) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    /// Claims and sends one batch; the number claimed.
    async fn send_due_batch(self: &Arc<Self>) -> Result<usize, StoreError> {
        let due = {
            let mut connection = self.pool.get().await?;
            outbox::claim_due(&mut connection, self.worker, self.settings.claim_for(), BATCH).await?
        };
        let claimed = due.len();
        let mut sends = JoinSet::new();
        for delivery in due {
            let dispatcher = self.clone();
            sends.spawn(async move { (delivery.id, dispatcher.attempt(&delivery).await) });
        }
        while let Some(sent) = sends.join_next().await {
            // A send that panicked keeps its claim until it expires, then goes again.
            let Ok((id, attempt)) = sent else { continue };
            if let Err(error) = self.record(id, attempt).await {
                tracing::warn!(delivery_id = %id, %error, "could not record a webhook attempt; it will be sent again");
            }
        }
        Ok(claimed)
    }

    async fn record(&self, id: Uuid, attempt: Attempt) -> Result<(), StoreError> {
        let mut connection = self.pool.get().await?;
        match &attempt {
            Attempt::Delivered { status } => tracing::info!(delivery_id = %id, status, "webhook delivered"),
            Attempt::Failed { error, retry_after, .. } => {
                tracing::info!(delivery_id = %id, error, will_retry = retry_after.is_some(), "webhook attempt failed")
            }
        }
        if !outbox::record(&mut connection, id, self.worker, attempt).await? {
            tracing::warn!(delivery_id = %id, "a webhook claim ran out before its attempt was recorded");
        }
        Ok(())
    }

    /// Posts the delivery once, signed for this moment.
    async fn attempt(&self, delivery: &DueDelivery) -> Attempt {
        let attempts = u32::try_from(delivery.attempts).unwrap_or(0).saturating_add(1);
        let retry_after =
            (attempts < self.settings.max_attempts).then(|| self.settings.retry_after(attempts));
        let url = match destination::check_url(&delivery.url, self.settings.allow_private_networks) {
            Ok(url) => url,
            Err(refused) => return Attempt::Failed { status: None, error: refused.0, retry_after: None },
        };
        let id = delivery.id.to_string();
        let timestamp = Utc::now().timestamp();
        let signature = match signing::sign(&delivery.secret, &id, timestamp, &delivery.payload) {
            Ok(signature) => signature,
            Err(error) => {
                return Attempt::Failed { status: None, error: error.to_string(), retry_after: None }
            }
        };
        let sent = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(ID_HEADER, &id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(delivery.payload.clone())
            .send()
            .await;
        // The answer's body is never read: only its status matters.
        match sent {
            Ok(response) if response.status().is_success() => {
                Attempt::Delivered { status: i32::from(response.status().as_u16()) }
            }
            Ok(response) => {
                let status = response.status();
                Attempt::Failed {
                    status: Some(i32::from(status.as_u16())),
                    error: format!("The receiver answered {status}."),
                    retry_after,
                }
            }
            Err(error) => Attempt::Failed { status: None, error: self.describe(&error), retry_after },
        }
    }

    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("The receiver did not answer within {} s.", self.settings.timeout.as_secs());
        }
        // reqwest's own message is generic; the cause (refused, reset, DNS) is in its sources.
        let mut message = String::from("Could not reach the receiver");
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        message.push('.');
        message.chars().take(MAX_ERROR_CHARS).collect()
    }

    async fn forget_old(&self) {
        let forgotten = async {
            let mut connection = self.pool.get().await?;
            outbox::forget_old(&mut connection).await
        }
        .await;
        match forgotten {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "removed old webhook deliveries"),
            Err(error) => tracing::warn!(%error, "could not remove old webhook deliveries"),
        }
    }
}
