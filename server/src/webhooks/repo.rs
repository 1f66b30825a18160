//! Queries on a user's hooks and their deliveries. Every function takes the
//! owner's id and filters by it, so no query can reach another user's hook.

use app::model::webhooks::{DeliveryState, WebhookDelivery, WebhookEvent, WebhookSummary};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::StoreResult;

/// Deliveries a hook's list shows, newest first.
pub const LISTED_DELIVERIES: i64 = 50;

#[derive(Queryable)]
struct HookRow {
    id: Uuid,
    url: String,
    description: String,
    events: Vec<String>,
    created_at: DateTime<Utc>,
}

pub async fn list(connection: &mut AsyncPgConnection, owner: Uuid) -> StoreResult<Vec<WebhookSummary>> {
    let rows: Vec<HookRow> = webhooks::table
        .filter(webhooks::user_id.eq(owner))
        .order(webhooks::created_at.asc())
        .select((webhooks::id, webhooks::url, webhooks::description, webhooks::events, webhooks::created_at))
        .load(connection)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let latest: Vec<(Uuid, String)> = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq_any(ids))
        .distinct_on(webhook_deliveries::webhook_id)
        .order((webhook_deliveries::webhook_id, webhook_deliveries::created_at.desc()))
        .select((webhook_deliveries::webhook_id, webhook_deliveries::state))
        .load(connection)
        .await?;
    let last_state = |id: Uuid| {
        latest.iter().find(|(hook, _)| *hook == id).and_then(|(_, state)| DeliveryState::parse(state))
    };
    Ok(rows
        .into_iter()
        .map(|row| WebhookSummary {
            last_delivery: last_state(row.id),
            id: row.id,
            url: row.url,
            description: row.description,
            events: row.events.iter().filter_map(|name| WebhookEvent::parse(name)).collect(),
            created_at: row.created_at,
        })
        .collect())
}

pub struct NewHookRow<'a> {
    pub id: Uuid,
    pub owner: Uuid,
    pub url: &'a str,
    pub description: &'a str,
    pub events: Vec<&'static str>,
    pub secret: &'a str,
}

pub async fn insert(connection: &mut AsyncPgConnection, hook: NewHookRow<'_>) -> StoreResult<DateTime<Utc>> {
    Ok(diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(hook.id),
            webhooks::user_id.eq(hook.owner),
            webhooks::url.eq(hook.url),
            webhooks::description.eq(hook.description),
            webhooks::events.eq(hook.events),
            webhooks::secret.eq(hook.secret),
        ))
        .returning(webhooks::created_at)
        .get_result(connection)
        .await?)
}

/// Whether the hook was the owner's (and is now gone, with its deliveries).
pub async fn delete(connection: &mut AsyncPgConnection, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    let hook = webhooks::table.filter(webhooks::user_id.eq(owner)).filter(webhooks::id.eq(id));
    let deleted = diesel::delete(hook).execute(connection).await?;
    Ok(deleted > 0)
}

pub async fn exists(connection: &mut AsyncPgConnection, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    let hook = webhooks::table.filter(webhooks::user_id.eq(owner)).filter(webhooks::id.eq(id));
    Ok(diesel::select(diesel::dsl::exists(hook)).get_result(connection).await?)
}

#[derive(Queryable)]
struct DeliveryRow {
    id: Uuid,
    event: String,
    build_id: Option<Uuid>,
    state: String,
    attempts: i32,
    response_status: Option<i32>,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// The hook's latest deliveries, newest first; `None` if it is not the owner's.
pub async fn deliveries(
    connection: &mut AsyncPgConnection,
    owner: Uuid,
    hook: Uuid,
) -> StoreResult<Option<Vec<WebhookDelivery>>> {
    if !exists(connection, owner, hook).await? {
        return Ok(None);
    }
    let rows: Vec<DeliveryRow> = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(hook))
        .order(webhook_deliveries::created_at.desc())
        .limit(LISTED_DELIVERIES)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event,
            webhook_deliveries::build_id,
            webhook_deliveries::state,
            webhook_deliveries::attempts,
            webhook_deliveries::response_status,
            webhook_deliveries::last_error,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::delivered_at,
            webhook_deliveries::created_at,
        ))
        .load(connection)
        .await?;
    let deliveries = rows
        .into_iter()
        .filter_map(|row| {
            let state = DeliveryState::parse(&row.state)?;
            Some(WebhookDelivery {
                id: row.id,
                event: WebhookEvent::parse(&row.event)?,
                build_id: row.build_id,
                state,
                attempts: row.attempts,
                response_status: row.response_status,
                last_error: row.last_error,
                next_attempt_at: (state == DeliveryState::Pending).then_some(row.next_attempt_at),
                delivered_at: row.delivered_at,
                created_at: row.created_at,
            })
        })
        .collect();
    Ok(Some(deliveries))
}
