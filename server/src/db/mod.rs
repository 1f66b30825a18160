//! PostgreSQL: the connection pool, the embedded migrations and the schema.

pub mod migrations;
pub mod pool;
pub mod schema;

pub use pool::{build_pool, DbPool};
