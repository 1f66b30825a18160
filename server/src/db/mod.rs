//! PostgreSQL: the connection pool, the embedded migrations and the schema.

pub mod error;
pub mod like;
pub mod migrations;
pub mod pool;
pub mod schema;
pub mod static_sql;

pub use error::{ServiceError, StoreError, StoreResult};
pub use pool::{build_pool, Connect, DbPool, PooledConnection};
