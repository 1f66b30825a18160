//! The one connection pool of the process. Every connection it hands out has
//! a statement timeout and names the application, so a stuck query cannot
//! hold a connection forever and `pg_stat_activity` shows who is connected.
//! A connection in steady use is handed out as it is (a closed one is
//! noticed without a query); one idle for a while is checked with a query
//! first, since the server may have dropped it meanwhile.

use std::future::Future;
use std::time::Duration;

use deadpool::managed::{Hook, HookError, Metrics};
use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{BuildError, Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

use crate::config::DatabaseConfig;
use crate::db::StoreError;

pub type DbPool = Pool<AsyncPgConnection>;
pub type PooledConnection = Object<AsyncPgConnection>;

/// A connection from the pool, failing as the store does, so a service's
/// method takes it with `?` like any query.
pub trait Connect {
    fn connection(&self) -> impl Future<Output = Result<PooledConnection, StoreError>> + Send;
}

impl Connect for DbPool {
    async fn connection(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.get().await?)
    }
}

const APPLICATION_NAME: &str = "agents-platform";
/// Idle longer than this, a connection answers a query before it is used.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(30);

pub fn build_pool(config: &DatabaseConfig) -> Result<DbPool, BuildError> {
    let statement_timeout = config.statement_timeout;
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // A query on every checkout was a round trip per request for nothing.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        Box::pin(async move { establish(&url, statement_timeout).await })
    });
    let manager = AsyncDieselConnectionManager::new_with_config(&config.url, manager_config);

    Pool::builder(manager)
        .max_size(config.max_connections)
        .wait_timeout(Some(config.acquire_timeout))
        .create_timeout(Some(config.acquire_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .post_recycle(Hook::async_fn(|connection: &mut AsyncPgConnection, metrics: &Metrics| {
            let idle = metrics.last_used();
            Box::pin(async move {
                if idle > CHECK_AFTER_IDLE {
                    // A failed check drops the connection; the pool takes or makes another.
                    connection
                        .batch_execute("SELECT 1")
                        .await
                        .map_err(|_| HookError::Message("an idle connection no longer answers".into()))?;
                }
                Ok(())
            })
        }))
        .build()
}

async fn establish(url: &str, statement_timeout: Duration) -> Result<AsyncPgConnection, ConnectionError> {
    let mut connection = AsyncPgConnection::establish(url).await?;
    let settings = format!(
        "SET application_name = '{APPLICATION_NAME}'; SET statement_timeout = {};",
        statement_timeout.as_millis()
    );
    connection.batch_execute(&settings).await.map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(connection)
}
