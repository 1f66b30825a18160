//! The webhooks service: the one implementation behind the settings page's
//! server functions and the REST API, where a hook's rules are applied.

use std::sync::Arc;

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::webhooks::{webhook_not_found, CreatedWebhook, NewWebhook, WebhookDelivery, WebhookSummary};
use app::ports::Webhooks;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::dispatcher::Dispatcher;
use super::signing::generate_secret;
use super::{destination, outbox, repo, WebhookSettings};
use crate::db::{Connect, DbPool, ServiceError};
use crate::quotas::{Kept, Quotas};

pub struct WebhookService {
    pool: DbPool,
    settings: WebhookSettings,
    quotas: Quotas,
    dispatcher: Arc<Dispatcher>,
}

impl WebhookService {
    pub fn new(pool: DbPool, settings: WebhookSettings, quotas: Quotas, dispatcher: Arc<Dispatcher>) -> Self {
        Self { pool, settings, quotas, dispatcher }
    }
}

#[async_trait::async_trait]
impl Webhooks for WebhookService {
    async fn list(&self, owner: &UserProfile) -> Result<Vec<WebhookSummary>, AppError> {
        let mut connection = self.pool.connection().await?;
        Ok(repo::list(&mut connection, owner.id).await?)
    }

    async fn create(&self, owner: &UserProfile, hook: NewWebhook) -> Result<CreatedWebhook, AppError> {
        let hook = hook.parse()?;
        destination::check_url(&hook.url, self.settings.allow_private_networks)
            .map_err(|refused| AppError::Invalid(refused.0))?;
        let secret = generate_secret().map_err(|error| {
            tracing::error!(%error, "the system random source failed");
            AppError::Internal
        })?;
        let id = Uuid::now_v7();
        let row = repo::NewHookRow {
            id,
            owner: owner.id,
            url: &hook.url,
            description: &hook.description,
            events: hook.events.iter().map(|event| event.as_str()).collect(),
            secret: &secret,
        };
        let mut connection = self.pool.connection().await?;
        let quotas = self.quotas;
        let created_at = connection
            .transaction(async |connection| {
                quotas.make_room(connection, owner.id, Kept::Webhooks).await?;
                Ok::<_, ServiceError>(repo::insert(connection, row).await?)
            })
            .await?;
        tracing::info!(user_id = %owner.id, webhook_id = %id, "webhook registered");
        let webhook = WebhookSummary {
            id,
            url: hook.url,
            description: hook.description,
            events: hook.events,
            created_at,
            last_delivery: None,
        };
        Ok(CreatedWebhook { webhook, secret })
    }

    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError> {
        let mut connection = self.pool.connection().await?;
        if repo::delete(&mut connection, owner.id, id).await? {
            tracing::info!(user_id = %owner.id, webhook_id = %id, "webhook deleted");
            Ok(())
        } else {
            Err(webhook_not_found())
        }
    }

    async fn deliveries(&self, owner: &UserProfile, id: Uuid) -> Result<Vec<WebhookDelivery>, AppError> {
        let mut connection = self.pool.connection().await?;
        repo::deliveries(&mut connection, owner.id, id).await?.ok_or_else(webhook_not_found)
    }

    async fn send_test(&self, owner: &UserProfile, id: Uuid) -> Result<Uuid, AppError> {
        let mut connection = self.pool.connection().await?;
        if !repo::exists(&mut connection, owner.id, id).await? {
            return Err(webhook_not_found());
        }
        let delivery = outbox::enqueue_test(&mut connection, id).await?.ok_or_else(|| {
            AppError::Conflict(
                "A test delivery to this webhook is still on its way (its receiver has not answered yet, and it \
                 is being retried). Its deliveries say how it goes; send another once it has arrived or failed."
                    .into(),
            )
        })?;
        self.dispatcher.wake.notify_one();
        Ok(delivery)
    }
}
