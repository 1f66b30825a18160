//! Buckets in the `rate_limits` table: one row per bucket holding its TAT,
//! moved in one statement, so every server process counts against the same
//! allowance and two requests can never both take its last unit.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::gcra::Quota;
use crate::db::static_sql::{bind, static_sql};
use crate::db::StoreResult;

/// `gcra::next_tat` in SQL, in one round trip: the row is inserted or moved
/// only when the quota allows it. When refused, the bucket is read as it
/// stands; a row another request created after this statement began is not
/// visible to that read, and counts as a full bucket.
const TAKE: &str = "\
    WITH taken AS ( \
        INSERT INTO rate_limits AS limits (bucket, tat) \
        VALUES ($1, now() + $2 * interval '1 microsecond') \
        ON CONFLICT (bucket) DO UPDATE \
            SET tat = GREATEST(limits.tat, now()) + $2 * interval '1 microsecond' \
            WHERE GREATEST(limits.tat, now()) + $2 * interval '1 microsecond' \
                <= now() + $3 * interval '1 microsecond' \
        RETURNING tat) \
    SELECT EXISTS (SELECT 1 FROM taken) AS is_allowed, \
        COALESCE((SELECT tat FROM taken), (SELECT tat FROM rate_limits WHERE bucket = $1), \
            now() + $3 * interval '1 microsecond') AS tat, \
        now() AS now";

/// A bucket after a request: allowed or not, and its TAT.
#[derive(QueryableByName)]
pub struct Taken {
    #[diesel(sql_type = Bool)]
    pub is_allowed: bool,
    #[diesel(sql_type = Timestamptz)]
    pub tat: DateTime<Utc>,
    /// The database's clock, which every process shares.
    #[diesel(sql_type = Timestamptz)]
    pub now: DateTime<Utc>,
}

/// Takes one request from `bucket` if its quota allows.
pub async fn take(connection: &mut AsyncPgConnection, bucket: &str, quota: Quota) -> StoreResult<Taken> {
    let interval = quota.emission_interval().num_microseconds().unwrap_or(i64::MAX);
    let period = quota.period_delta().num_microseconds().unwrap_or(i64::MAX);
    Ok(static_sql(TAKE, (bind::<Text, _>(bucket), bind::<BigInt, _>(interval), bind::<BigInt, _>(period)))
        .get_result(connection)
        .await?)
}

/// Buckets whose allowance is whole again are the same as no row.
pub async fn forget_refilled(connection: &mut AsyncPgConnection) -> StoreResult<usize> {
    Ok(diesel::sql_query("DELETE FROM rate_limits WHERE tat < now()").execute(connection).await?)
}
