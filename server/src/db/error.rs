//! The errors of the persistence layer and of the work done on it, and how
//! they reach people: a busy or unreachable database is "try again" (503),
//! anything else is logged and answered without internals (500).
//!
//! Repositories answer with [`StoreError`]; a service's method, which
//! answers with `AppError`, takes it with `?`. Inside a transaction, where a
//! rule may refuse halfway (a quota is full), the work answers with
//! [`ServiceError`], which holds either, so `?` serves both there too.

use app::error::AppError;
use diesel_async::pooled_connection::deadpool::PoolError;

/// What a repository's query answers with.
pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database connection available: {0}")]
    Pool(#[from] PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

/// What work in a transaction fails with: a rule's refusal, worded for the
/// person, or the store failing (which also rolls the transaction back).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Refused(#[from] AppError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Diesel's transactions roll back on an error they can make themselves.
impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
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

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Refused(refusal) => refusal,
            ServiceError::Store(error) => error.into(),
        }
    }
}
