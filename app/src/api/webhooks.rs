//! The server functions of the settings page's webhooks.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::webhooks::{CreatedWebhook, WebhookDelivery, WebhookEvent, WebhookSummary};

#[server(prefix = "/fn", endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<WebhookSummary>, AppError> {
    crate::request::with_signed_in_user(
        move |backend, owner| async move { backend.webhooks.list(&owner).await },
    )
    .await
}

/// Registers a hook. The form names its checkboxes `events[0]`, `events[1]`,
/// …, so the ticked ones arrive as a list with or without JavaScript.
#[server(prefix = "/fn", endpoint = "create_webhook")]
pub async fn create_webhook(
    url: String,
    #[server(default)] description: String,
    #[server(default)] events: Vec<WebhookEvent>,
) -> Result<CreatedWebhook, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        let hook = crate::model::webhooks::NewWebhook { url, description, events };
        backend.webhooks.create(&owner, hook).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: Uuid) -> Result<(), AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.webhooks.delete(&owner, id).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "list_webhook_deliveries")]
pub async fn list_webhook_deliveries(id: Uuid) -> Result<Vec<WebhookDelivery>, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.webhooks.deliveries(&owner, id).await
    })
    .await
}

/// Queues a `webhook.test` delivery; its id.
#[server(prefix = "/fn", endpoint = "send_test_webhook")]
pub async fn send_test_webhook(id: Uuid) -> Result<Uuid, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.webhooks.send_test(&owner, id).await
    })
    .await
}
