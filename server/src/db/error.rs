//! The one error of the persistence layer, and how it reaches people: a busy
//! or unreachable database is "try again" (503), anything else is logged and
//! answered without internals (500).

use app::error::AppError;
use diesel_async::pooled_connection::deadpool::PoolError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database connection available: {0}")]
    Pool(#[from] PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Pool(error) => {
                tracing::warn!(%error, "database connection unavailable");
                AppError::Unavailable(
                    "The database is busy or unreachable. Please try again in a moment.".into(),
                )
            }
            StoreError::Query(error) => {
                tracing::error!(%error, "database query failed");
                AppError::Internal
            }
        }
    }
}
