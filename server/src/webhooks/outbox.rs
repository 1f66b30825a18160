//! The outbox: deliveries are written in the transaction that stores the
//! build events raising them, claimed by whichever server process is free,
//! and recorded after each attempt. A claim expires, so a process that dies
//! mid-send leaves its deliveries for another (or for itself after a restart).

use std::time::Duration;

use app::model::builds::{BuildEvent, BuildStatus, StoredBuildEvent};
use app::model::webhooks::{WebhookBuild, WebhookEvent, WebhookMessage};
use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{builds, webhook_deliveries, webhooks};
use crate::db::StoreResult;

/// Finished deliveries are kept this long for their hook's list.
pub const KEEP_FINISHED_DAYS: i64 = 30;

#[derive(Queryable)]
struct BuildSnapshot {
    spec_name: String,
    status: String,
    features_passing: i32,
    features_total: i32,
    input_tokens: i64,
    output_tokens: i64,
}

impl BuildSnapshot {
    /// The build as a message tells it, at the moment `event` happened.
    fn describe(&self, build_id: Uuid, event: &BuildEvent) -> WebhookBuild {
        let (status, message) = match event {
            BuildEvent::Status { status, reason } => (Some(*status), reason.clone()),
            BuildEvent::Error { message, .. } => (None, Some(message.clone())),
            BuildEvent::BudgetWarning { used_tokens, budget_tokens } => {
                (None, Some(BuildEvent::budget_warning_text(*used_tokens, *budget_tokens)))
            }
            _ => (None, None),
        };
        WebhookBuild {
            build_id,
            spec_name: self.spec_name.clone(),
            status: status.or_else(|| BuildStatus::parse(&self.status)).unwrap_or(BuildStatus::Running),
            message,
            features_passing: self.features_passing,
            features_total: self.features_total,
            tokens: self.input_tokens + self.output_tokens,
            path: format!("/builds/{build_id}"),
        }
    }
}

fn body_of(message: &WebhookMessage) -> String {
    serde_json::to_string(message).expect("a webhook message is plain data")
}

/// Writes a delivery to each of the build owner's hooks that listens for
/// an event in `stored` (call it in the transaction that stores them).
pub async fn enqueue_build_events(
    connection: &mut AsyncPgConnection,
    build_id: Uuid,
    stored: &[StoredBuildEvent],
) -> StoreResult<()> {
    let raised: Vec<(WebhookEvent, &StoredBuildEvent)> = stored
        .iter()
        .filter_map(|stored| WebhookEvent::raised_by(&stored.event).map(|event| (event, stored)))
        .collect();
    if raised.is_empty() {
        return Ok(());
    }
    let hooks: Vec<(Uuid, Vec<String>)> = webhooks::table
        .inner_join(builds::table.on(builds::user_id.eq(webhooks::user_id)))
        .filter(builds::id.eq(build_id))
        .select((webhooks::id, webhooks::events))
        .load(connection)
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let snapshot: BuildSnapshot = builds::table
        .find(build_id)
        .select((
            builds::spec_name,
            builds::status,
            builds::features_passing,
            builds::features_total,
            builds::input_tokens,
            builds::output_tokens,
        ))
        .first(connection)
        .await?;
    let mut rows = Vec::new();
    for (event, stored) in raised {
        let data = snapshot.describe(build_id, &stored.event);
        for (hook, events) in &hooks {
            if !events.iter().any(|name| name == event.as_str()) {
                continue;
            }
            let id = Uuid::now_v7();
            let message = WebhookMessage { id, event, timestamp: stored.at, data: data.clone() };
            rows.push((
                webhook_deliveries::id.eq(id),
                webhook_deliveries::webhook_id.eq(*hook),
                webhook_deliveries::event.eq(event.as_str()),
                webhook_deliveries::build_id.eq(Some(build_id)),
                webhook_deliveries::payload.eq(body_of(&message)),
            ));
        }
    }
    if !rows.is_empty() {
        diesel::insert_into(webhook_deliveries::table).values(rows).execute(connection).await?;
    }
    Ok(())
}

/// Writes a `webhook.test` delivery to the hook, with an example build;
/// `None` while an earlier one is still on its way (being retried), so
/// test sends cannot pile up ahead of every hook's build deliveries.
pub async fn enqueue_test(connection: &mut AsyncPgConnection, hook: Uuid) -> StoreResult<Option<Uuid>> {
    let id = Uuid::now_v7();
    let message = WebhookMessage {
        id,
        event: WebhookEvent::Test,
        timestamp: Utc::now(),
        data: WebhookBuild {
            build_id: Uuid::nil(),
            spec_name: "Example spec".into(),
            status: BuildStatus::Completed,
            message: Some("A test delivery, sent from the Settings page.".into()),
            features_passing: 3,
            features_total: 3,
            tokens: 0,
            path: "/builds".into(),
        },
    };
    let inserted = diesel::sql_query(
        "INSERT INTO webhook_deliveries (id, webhook_id, event, payload)
         SELECT $1, $2, $3, $4
         WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries
                           WHERE webhook_id = $2 AND event = $3 AND state = 'pending')
         ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(hook)
    .bind::<Text, _>(WebhookEvent::Test.as_str())
    .bind::<Text, _>(body_of(&message))
    .execute(connection)
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// A delivery this process claimed, with where and how to send it.
#[derive(Debug, QueryableByName)]
pub struct DueDelivery {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
}

/// Claims up to `limit` deliveries that are due and not claimed by a live
/// process, oldest due first; concurrent claimers skip each other's rows.
pub async fn claim_due(
    connection: &mut AsyncPgConnection,
    worker: Uuid,
    claim_for: Duration,
    limit: i64,
) -> StoreResult<Vec<DueDelivery>> {
    Ok(diesel::sql_query(
        "UPDATE webhook_deliveries AS d
         SET claimed_by = $1, claimed_until = now() + make_interval(secs => $2)
         FROM webhooks AS w
         WHERE w.id = d.webhook_id AND d.id IN (
             SELECT id FROM webhook_deliveries
             WHERE state = 'pending' AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY next_attempt_at
             LIMIT $3
             FOR UPDATE SKIP LOCKED)
         RETURNING d.id, d.payload, d.attempts, w.url, w.secret",
    )
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .bind::<Double, _>(claim_for.as_secs_f64())
    .bind::<BigInt, _>(limit)
    .load(connection)
    .await?)
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered { status: i32 },
    /// Try again after the wait, or never (`retry_after: None`).
    Failed { status: Option<i32>, error: String, retry_after: Option<Duration> },
}

/// Records an attempt on a delivery this process still holds; `false` when
/// its claim was lost (another process owns the delivery now).
pub async fn record(
    connection: &mut AsyncPgConnection,
    id: Uuid,
    worker: Uuid,
    attempt: Attempt,
) -> StoreResult<bool> {
    let held = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::claimed_by.eq(worker))
        .filter(webhook_deliveries::state.eq("pending"));
    let release = (
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        webhook_deliveries::claimed_by.eq(None::<Uuid>),
        webhook_deliveries::claimed_until.eq(None::<DateTime<Utc>>),
    );
    let updated = match attempt {
        Attempt::Delivered { status } => {
            diesel::update(held)
                .set((
                    release,
                    webhook_deliveries::state.eq("delivered"),
                    webhook_deliveries::response_status.eq(Some(status)),
                    webhook_deliveries::last_error.eq(None::<String>),
                    webhook_deliveries::delivered_at.eq(now),
                ))
                .execute(connection)
                .await?
        }
        Attempt::Failed { status, error, retry_after: Some(wait) } => {
            let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            diesel::update(held)
                .set((
                    release,
                    webhook_deliveries::response_status.eq(status),
                    webhook_deliveries::last_error.eq(Some(error)),
                    webhook_deliveries::next_attempt_at
                        .eq(Utc::now().checked_add_signed(wait).unwrap_or(DateTime::<Utc>::MAX_UTC)),
                ))
                .execute(connection)
                .await?
        }
        Attempt::Failed { status, error, retry_after: None } => {
            diesel::update(held)
                .set((
                    release,
                    webhook_deliveries::state.eq("failed"),
                    webhook_deliveries::response_status.eq(status),
                    webhook_deliveries::last_error.eq(Some(error)),
                ))
                .execute(connection)
                .await?
        }
    };
    Ok(updated > 0)
}

/// Removes finished deliveries older than [`KEEP_FINISHED_DAYS`].
pub async fn forget_old(connection: &mut AsyncPgConnection) -> StoreResult<usize> {
    Ok(diesel::delete(
        webhook_deliveries::table.filter(webhook_deliveries::state.ne("pending")).filter(
            webhook_deliveries::created_at.lt(Utc::now() - chrono::Duration::days(KEEP_FINISHED_DAYS)),
        ),
    )
    .execute(connection)
    .await?)
}
