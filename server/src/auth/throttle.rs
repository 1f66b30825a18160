//! Sign-in throttling: failed attempts are recorded per email and per client
//! address; past the policy's limit within its window, further attempts are
//! refused (429) until the oldest counted failure leaves the window. Kept in
//! PostgreSQL, so every server process and a restart see the same count.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::config::ThrottlePolicy;
use crate::db::schema::sign_in_failures;

/// The key failures are counted under: the email as typed, lower-cased, so
/// guesses against an account that does not exist are throttled just the same.
pub fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// How long the caller must wait, or `None` when an attempt may go ahead.
pub async fn time_until_allowed(
    connection: &mut AsyncPgConnection,
    policy: &ThrottlePolicy,
    account: &str,
    address: Option<IpAddr>,
) -> QueryResult<Option<Duration>> {
    let now = Utc::now();
    let window = as_delta(policy.window);
    let window_start = now - window;
    let account_block = nth_latest_failure(
        connection,
        Counted::Account(account),
        window_start,
        policy.max_failures_per_account,
    )
    .await?;
    let address_block = match address {
        Some(address) => {
            nth_latest_failure(
                connection,
                Counted::Address(address),
                window_start,
                policy.max_failures_per_address,
            )
            .await?
        }
        None => None,
    };
    // Allowed again once the failure that reached the limit leaves the window.
    let allowed_at = account_block.into_iter().chain(address_block).max().map(|failed_at| failed_at + window);
    Ok(allowed_at.and_then(|at| (at - now).to_std().ok()).map(|wait| wait.max(Duration::from_secs(1))))
}

fn as_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// What failures are counted by.
enum Counted<'a> {
    Account(&'a str),
    Address(IpAddr),
}

/// The `limit`-th most recent failure counted by `counted` since `window_start`.
async fn nth_latest_failure(
    connection: &mut AsyncPgConnection,
    counted: Counted<'_>,
    window_start: DateTime<Utc>,
    limit: u32,
) -> QueryResult<Option<DateTime<Utc>>> {
    let mut query = sign_in_failures::table
        .filter(sign_in_failures::failed_at.gt(window_start))
        .order(sign_in_failures::failed_at.desc())
        .offset(i64::from(limit.max(1) - 1))
        .select(sign_in_failures::failed_at)
        .into_boxed();
    query = match counted {
        Counted::Account(account) => query.filter(sign_in_failures::account_key.eq(account.to_owned())),
        Counted::Address(address) => query.filter(sign_in_failures::client_address.eq(address.to_string())),
    };
    query.first(connection).await.optional()
}

pub async fn record_failure(
    connection: &mut AsyncPgConnection,
    account: &str,
    address: Option<IpAddr>,
) -> QueryResult<()> {
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::account_key.eq(account),
            sign_in_failures::client_address.eq(address.map(|address| address.to_string())),
            sign_in_failures::failed_at.eq(Utc::now()),
        ))
        .execute(connection)
        .await
        .map(drop)
}

/// A successful sign-in clears the account's count (not the address's: one
/// right password must not reset a spray over many accounts).
pub async fn forget_account_failures(connection: &mut AsyncPgConnection, account: &str) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::account_key.eq(account)))
        .execute(connection)
        .await
        .map(drop)
}

pub async fn delete_stale_failures(
    connection: &mut AsyncPgConnection,
    window: Duration,
) -> QueryResult<usize> {
    diesel::delete(
        sign_in_failures::table.filter(sign_in_failures::failed_at.le(Utc::now() - as_delta(window))),
    )
    .execute(connection)
    .await
}
