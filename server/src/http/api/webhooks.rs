//! `/api/webhooks`: the REST face of the webhooks service.

use app::error::AppError;
use app::model::webhooks::{webhook_not_found, CreatedWebhook, NewWebhook, WebhookDelivery, WebhookSummary};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::extract::{ApiJson, CurrentUser};
use crate::http::AppState;

/// A malformed id names no hook, exactly like someone else's.
fn hook_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| webhook_not_found())
}

/// Your webhooks (never their secrets), oldest first.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", responses((status = OK, body = Vec<WebhookSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<WebhookSummary>>, ApiError> {
    Ok(Json(state.backend.webhooks.list(&user).await?))
}

/// Register a webhook; its signing secret is in this answer only.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = CREATED, body = CreatedWebhook),
        (status = CONFLICT, description = "The account has the most webhooks it may have", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.backend.webhooks.create(&user, body).await?)))
}

/// Delete a webhook and its deliveries.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses((status = NO_CONTENT, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.webhooks.delete(&user, hook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The webhook's latest 50 deliveries, newest first, with how they went.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses((status = OK, body = Vec<WebhookDelivery>)))]
pub async fn deliveries(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<WebhookDelivery>>, ApiError> {
    Ok(Json(state.backend.webhooks.deliveries(&user, hook_id(&id)?).await?))
}

#[derive(Serialize, ToSchema)]
pub struct QueuedDelivery {
    /// Also the message's `id` and its `webhook-id` header.
    delivery_id: Uuid,
}

/// Send a `webhook.test` message to the webhook (queued: see its deliveries).
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses((status = ACCEPTED, body = QueuedDelivery), (status = CONFLICT, description = "A test delivery to this webhook is still on its way", body = ErrorBody)))]
pub async fn send_test(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<QueuedDelivery>), ApiError> {
    let delivery_id = state.backend.webhooks.send_test(&user, hook_id(&id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(QueuedDelivery { delivery_id })))
}
