//! Sign-in throttling: attempts are recorded with their email and client
//! address before the password is checked (and forgotten when it was right);
//! past one of the policy's limits within its window (per email from one
//! address, per address, per email from anywhere), further attempts are
//! refused (429) until the failure that reached it leaves the window. Kept in
//! PostgreSQL, so every server process and a restart see the same count.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::ThrottlePolicy;
use crate::db::schema::sign_in_failures;
use crate::db::StoreResult;
use crate::rate_limits::address_key;

/// The key failures are counted under: the email as typed, lower-cased, so
/// guesses against an account that does not exist are throttled just the same.
pub fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Records an attempt as a failure before its password is checked, unless the
/// limits are reached (then: how long to wait). Checking and recording happen
/// under advisory locks on the account and the address, so parallel attempts
/// cannot all slip past the check before any of them is counted.
pub async fn claim_attempt(
    connection: &mut AsyncPgConnection,
    policy: &ThrottlePolicy,
    account: &str,
    address: Option<IpAddr>,
) -> StoreResult<Result<(), Duration>> {
    let account = account.to_owned();
    let policy = *policy;
    connection
        .transaction(async |connection| {
            for key in std::iter::once(format!("sign-in account {account}"))
                .chain(address.map(|address| format!("sign-in address {}", address_key(address))))
            {
                diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind::<Text, _>(key)
                    .execute(connection)
                    .await?;
            }
            if let Some(wait) = time_until_allowed(connection, &policy, &account, address).await? {
                return Ok(Err(wait));
            }
            record_failure(connection, &account, address).await?;
            Ok(Ok(()))
        })
        .await
}

/// How long the caller must wait, or `None` when an attempt may go ahead.
async fn time_until_allowed(
    connection: &mut AsyncPgConnection,
    policy: &ThrottlePolicy,
    account: &str,
    address: Option<IpAddr>,
) -> StoreResult<Option<Duration>> {
    let now = Utc::now();
    let window = as_delta(policy.window);
    let window_start = now - window;
    let mut limits = vec![
        (Counted::AccountFrom(account, address), policy.max_failures_per_account_and_address),
        (Counted::Account(account), policy.max_failures_per_account),
    ];
    if let Some(address) = address {
        limits.push((Counted::Address(address), policy.max_failures_per_address));
    }
    let mut blocks = Vec::new();
    for (counted, limit) in limits {
        blocks.extend(nth_latest_failure(connection, counted, window_start, limit).await?);
    }
    // Allowed again once the failure that reached the limit leaves the window.
    let allowed_at = blocks.into_iter().max().map(|failed_at| failed_at + window);
    Ok(allowed_at.and_then(|at| (at - now).to_std().ok()).map(|wait| wait.max(Duration::from_secs(1))))
}

fn as_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// What failures are counted by.
enum Counted<'a> {
    /// An email from one client address (or from no known address).
    AccountFrom(&'a str, Option<IpAddr>),
    Account(&'a str),
    Address(IpAddr),
}

/// The `limit`-th most recent failure counted by `counted` since `window_start`.
async fn nth_latest_failure(
    connection: &mut AsyncPgConnection,
    counted: Counted<'_>,
    window_start: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Option<DateTime<Utc>>> {
    let mut query = sign_in_failures::table
        .filter(sign_in_failures::failed_at.gt(window_start))
        .order(sign_in_failures::failed_at.desc())
        .offset(i64::from(limit.max(1) - 1))
        .select(sign_in_failures::failed_at)
        .into_boxed();
    query = match counted {
        Counted::AccountFrom(account, Some(address)) => query
            .filter(sign_in_failures::account_key.eq(account.to_owned()))
            .filter(sign_in_failures::client_address.eq(address_key(address))),
        Counted::AccountFrom(account, None) => query
            .filter(sign_in_failures::account_key.eq(account.to_owned()))
            .filter(sign_in_failures::client_address.is_null()),
        Counted::Account(account) => query.filter(sign_in_failures::account_key.eq(account.to_owned())),
        Counted::Address(address) => query.filter(sign_in_failures::client_address.eq(address_key(address))),
    };
    Ok(query.first(connection).await.optional()?)
}

async fn record_failure(
    connection: &mut AsyncPgConnection,
    account: &str,
    address: Option<IpAddr>,
) -> StoreResult<()> {
    Ok(diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::account_key.eq(account),
            sign_in_failures::client_address.eq(address.map(address_key)),
            sign_in_failures::failed_at.eq(Utc::now()),
        ))
        .execute(connection)
        .await
        .map(drop)?)
}

/// A successful sign-in clears the failures of its email from its address,
/// the attempt itself included. Failures from elsewhere stay: the owner
/// signing in must not hand a stranger a fresh allowance, and one right
/// password must not reset a spray over many accounts.
pub async fn forget_failures(
    connection: &mut AsyncPgConnection,
    account: &str,
    address: Option<IpAddr>,
) -> StoreResult<()> {
    let failures = sign_in_failures::table.filter(sign_in_failures::account_key.eq(account));
    Ok(match address {
        Some(address) => {
            diesel::delete(failures.filter(sign_in_failures::client_address.eq(address_key(address))))
                .execute(connection)
                .await
        }
        None => {
            diesel::delete(failures.filter(sign_in_failures::client_address.is_null()))
                .execute(connection)
                .await
        }
    }
    .map(drop)?)
}

pub async fn delete_stale_failures(
    connection: &mut AsyncPgConnection,
    window: Duration,
) -> StoreResult<usize> {
    Ok(diesel::delete(
        sign_in_failures::table.filter(sign_in_failures::failed_at.le(Utc::now() - as_delta(window))),
    )
    .execute(connection)
    .await?)
}
