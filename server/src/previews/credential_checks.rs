//! Whether the credential behind a preview's access still signs its user in.
//! An app's page can make hundreds of requests, so a "yes" is remembered for
//! [`PreviewSettings::access_recheck`]: a sign-out or a revocation closes
//! the preview within that time. When the answer has grown stale, one
//! request asks the database and the requests arriving meanwhile wait for
//! its answer, rather than each asking.
//!
//! [`PreviewSettings::access_recheck`]: super::PreviewSettings::access_recheck

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

use super::access::Access;
use crate::auth::credential::SignedInBy;
use crate::db::DbPool;

/// Credentials remembered as still valid; past this, the stale ones are
/// forgotten, and all of them if none is.
const REMEMBERED_AT_MOST: usize = 10_000;

/// A credential and the user it signs in.
type Credential = (SignedInBy, Uuid);

pub struct CredentialChecks {
    pool: DbPool,
    recheck: Duration,
    /// When each credential was last found to sign its user in.
    valid_at: Mutex<HashMap<Credential, Instant>>,
    /// The turn to ask about each credential, held by the request asking;
    /// an entry lives while requests ask or wait.
    asking: Mutex<HashMap<Credential, Arc<tokio::sync::Mutex<()>>>>,
}

impl CredentialChecks {
    pub fn new(pool: DbPool, recheck: Duration) -> Self {
        Self { pool, recheck, valid_at: Mutex::default(), asking: Mutex::default() }
    }

    /// Whether `access`'s credential still signs in its user, asked at most
    /// once a period. A database out of reach says nothing either way:
    /// access goes on, as an event stream's does, asked again next period.
    pub async fn still_valid(&self, access: &Access) -> bool {
        let credential = (access.granted_by.clone(), access.user_id);
        self.once_a_period(&credential, self.valid_now(access)).await
    }

    /// Whether it does now, asking the database whatever was remembered: for
    /// what stays open (a tunnel), which asks once a period itself.
    pub async fn valid_now(&self, access: &Access) -> bool {
        let credential = (access.granted_by.clone(), access.user_id);
        // The answer is as old as the question.
        let asked_at = Instant::now();
        let valid = access.granted_by.still_signs_in_as_far_as_known(&self.pool, access.user_id).await;
        self.remember(credential, valid.then_some(asked_at));
        valid
    }

    /// The remembered "yes" while it is fresh, else `ask`'s answer; `ask`
    /// runs for one request at a time, and a request that waited for the
    /// one before takes the "yes" it brought.
    async fn once_a_period(&self, credential: &Credential, ask: impl Future<Output = bool>) -> bool {
        if self.is_fresh(credential) {
            return true;
        }
        let turn = self.asking().entry(credential.clone()).or_default().clone();
        let valid = {
            let _asking = turn.lock().await;
            self.is_fresh(credential) || ask.await
        };
        let mut asking = self.asking();
        // The map's and this request's: nobody else asks or waits.
        if Arc::strong_count(&turn) == 2 {
            asking.remove(credential);
        }
        valid
    }

    fn is_fresh(&self, credential: &Credential) -> bool {
        self.valid_at().get(credential).is_some_and(|checked| checked.elapsed() < self.recheck)
    }

    /// Remembers when the credential was found valid, or forgets it (`None`).
    fn remember(&self, credential: Credential, valid_at: Option<Instant>) {
        let mut remembered = self.valid_at();
        let Some(asked_at) = valid_at else {
            remembered.remove(&credential);
            return;
        };
        if remembered.len() >= REMEMBERED_AT_MOST {
            remembered.retain(|_, checked| checked.elapsed() < self.recheck);
            if remembered.len() >= REMEMBERED_AT_MOST {
                remembered.clear();
            }
        }
        remembered.insert(credential, asked_at);
    }

    fn valid_at(&self) -> MutexGuard<'_, HashMap<Credential, Instant>> {
        self.valid_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn asking(&self) -> MutexGuard<'_, HashMap<Credential, Arc<tokio::sync::Mutex<()>>>> {
        self.asking.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::config::DatabaseConfig;

    /// Checks whose database is never reached: the tests give the question.
    fn checks(recheck: Duration) -> CredentialChecks {
        let config = DatabaseConfig {
            url: "postgres://nobody@127.0.0.1:1/none".into(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(1),
        };
        CredentialChecks::new(crate::db::build_pool(&config).expect("a pool"), recheck)
    }

    fn credential() -> Credential {
        (SignedInBy::decode(&format!("s{}", "ab".repeat(32))).expect("a session's name"), Uuid::nil())
    }

    #[tokio::test]
    async fn requests_arriving_while_one_asks_wait_for_its_answer_and_do_not_ask_again() {
        let recheck = Duration::from_millis(300);
        let checks = checks(recheck);
        let asked = AtomicUsize::new(0);
        let ask = || async {
            asked.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            checks.remember(credential(), Some(Instant::now()));
            true
        };
        let credential = credential();
        let answers =
            futures_util::future::join_all((0..20).map(|_| checks.once_a_period(&credential, ask()))).await;
        assert!(answers.iter().all(|valid| *valid));
        assert_eq!(asked.load(Ordering::SeqCst), 1, "one question for twenty requests");
        assert!(checks.asking().is_empty(), "no turn is kept once nobody asks");

        // Once the answer is stale, the next request asks again.
        tokio::time::sleep(recheck).await;
        assert!(checks.once_a_period(&credential, ask()).await);
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }
}
