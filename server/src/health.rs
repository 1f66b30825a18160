//! What the platform knows about its own health: used by `/readyz` and by the
//! dashboard's system status.

use std::time::Instant;

use app::error::AppError;
use app::model::system::SystemStatus;
use app::ports::SystemProbe;
use chrono::Utc;
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use crate::db::static_sql::static_sql;
use crate::db::DbPool;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error("the database did not answer the probe: {0}")]
    Query(#[from] diesel::result::Error),
}

#[derive(QueryableByName)]
struct DatabaseFacts {
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = BigInt)]
    migrations: i64,
}

/// Runs one small query that proves the database is reachable and migrated.
pub async fn probe_database(pool: &DbPool) -> Result<SystemStatus, HealthError> {
    let started = Instant::now();
    let mut connection = pool.get().await?;
    let facts: DatabaseFacts = static_sql(
        "SELECT current_setting('server_version') AS version, \
                (SELECT count(*) FROM __diesel_schema_migrations) AS migrations",
        (),
    )
    .get_result(&mut connection)
    .await?;
    Ok(SystemStatus {
        database_version: facts.version,
        migrations_applied: facts.migrations,
        database_latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        server_time: Utc::now(),
    })
}

/// The dashboard's view of [`probe_database`].
pub struct DatabaseProbe {
    pub pool: DbPool,
}

#[async_trait::async_trait]
impl SystemProbe for DatabaseProbe {
    async fn system_status(&self) -> Result<SystemStatus, AppError> {
        probe_database(&self.pool).await.map_err(|error| {
            tracing::warn!(%error, "system status probe failed");
            AppError::Unavailable("The database is not reachable right now.".into())
        })
    }
}
