//! The database: DATABASE_* settings.

use std::time::Duration;

use super::reader::{seconds, Reader};

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: usize,
    /// How long a request waits for a free connection before answering 503.
    pub acquire_timeout: Duration,
    /// Upper bound for any single SQL statement.
    pub statement_timeout: Duration,
}

pub(super) fn read_database(reader: &mut Reader<'_>) -> Option<DatabaseConfig> {
    let url = reader.required_secret(
        "DATABASE_URL",
        "set it to postgres://user:password@host:port/database \
         (scripts/dev starts an embedded PostgreSQL and sets it for you)",
        |value| {
            if value.starts_with("postgres://") || value.starts_with("postgresql://") {
                Ok(())
            } else {
                Err("expected a URL starting with postgres:// or postgresql://".into())
            }
        },
    );
    let max_connections =
        reader.parsed("DATABASE_MAX_CONNECTIONS", Some(10), |value| match value.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n),
            _ => Err("expected a whole number from 1 to 1000".into()),
        });
    let acquire_timeout =
        reader.parsed("DATABASE_ACQUIRE_TIMEOUT_SECS", Some(Duration::from_secs(5)), seconds);
    let statement_timeout =
        reader.parsed("DATABASE_STATEMENT_TIMEOUT_SECS", Some(Duration::from_secs(30)), seconds);
    Some(DatabaseConfig {
        url: url?,
        max_connections: max_connections?,
        acquire_timeout: acquire_timeout?,
        statement_timeout: statement_timeout?,
    })
}
