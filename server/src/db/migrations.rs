//! The SQL migrations of `migrations/`, compiled into the binary and applied
//! at start-up.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Serialises migration runs when several server processes start against one
/// database at the same moment (an arbitrary constant, unique to this app).
const MIGRATION_LOCK_KEY: i64 = 0x4147_454e_5453_4d49;

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("could not connect to the database to migrate it: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("could not take the migration lock: {0}")]
    Lock(#[source] diesel::result::Error),
    #[error("a migration failed: {0}")]
    Apply(String),
    #[error("the migration task stopped unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Applies every migration the database has not seen yet and returns their
/// versions, oldest first.
pub async fn run_pending_migrations(database_url: &str) -> Result<Vec<String>, MigrationError> {
    with_locked_connection(database_url, |connection| {
        connection.run_pending_migrations(MIGRATIONS).map(version_names).map_err(apply_error)
    })
    .await
}

/// Reverts every applied migration, newest first. For tests of `down.sql`.
pub async fn revert_all_migrations(database_url: &str) -> Result<Vec<String>, MigrationError> {
    with_locked_connection(database_url, |connection| {
        connection.revert_all_migrations(MIGRATIONS).map(version_names).map_err(apply_error)
    })
    .await
}

fn version_names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}

fn apply_error(error: Box<dyn std::error::Error + Send + Sync>) -> MigrationError {
    MigrationError::Apply(error.to_string())
}

type WrappedConnection = AsyncConnectionWrapper<AsyncPgConnection>;

/// Runs `work` on a fresh connection while holding the migration lock.
async fn with_locked_connection<T: Send + 'static>(
    database_url: &str,
    work: impl FnOnce(&mut WrappedConnection) -> Result<T, MigrationError> + Send + 'static,
) -> Result<T, MigrationError> {
    let database_url = database_url.to_owned();
    // Diesel's migration harness is synchronous: run it on a blocking thread
    // through the wrapper, which drives the async connection from there.
    tokio::task::spawn_blocking(move || {
        let mut connection = WrappedConnection::establish(&database_url)?;
        take_migration_lock(&mut connection)?;
        let outcome = work(&mut connection);
        // The lock also ends with the session; unlocking early lets a waiting
        // process go on without waiting for this connection to close.
        let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(&mut connection);
        outcome
    })
    .await?
}

/// How often a process asks again for the lock another one holds.
const LOCK_RETRY_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

#[derive(QueryableByName)]
struct LockTaken {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    taken: bool,
}

/// Takes the migration lock, asking again until the process holding it lets
/// go. Not by waiting inside `pg_advisory_lock`: a waiting statement is an
/// open transaction, and an index built `CONCURRENTLY` by the holder waits
/// for every open transaction to end: a deadlock.
fn take_migration_lock(connection: &mut WrappedConnection) -> Result<(), MigrationError> {
    let mut has_said = false;
    loop {
        let lock = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS taken")
            .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
            .get_result::<LockTaken>(connection)
            .map_err(MigrationError::Lock)?;
        if lock.taken {
            return Ok(());
        }
        if !has_said {
            tracing::info!("another server is migrating the database; waiting for it");
            has_said = true;
        }
        std::thread::sleep(LOCK_RETRY_EVERY);
    }
}
