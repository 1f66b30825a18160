//! Whether the credential behind a preview's access still signs its user in.
//! An app's page can make hundreds of requests, so a "yes" is remembered for
//! [`PreviewSettings::access_recheck`]: a sign-out or a revocation closes
//! the preview within that time. (Requests that arrive together after it
//! lapsed each ask; there is no single flight.)
//!
//! [`PreviewSettings::access_recheck`]: super::PreviewSettings::access_recheck

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

use super::access::Access;
use crate::auth::credential::SignedInBy;
use crate::db::DbPool;

/// Credentials remembered as still valid; past this, the stale ones are
/// forgotten, and all of them if none is.
const REMEMBERED_AT_MOST: usize = 10_000;

pub struct CredentialChecks {
    pool: DbPool,
    recheck: Duration,
    /// When each (credential, user) was last found to sign in.
    valid_at: Mutex<HashMap<(SignedInBy, Uuid), Instant>>,
}

impl CredentialChecks {
    pub fn new(pool: DbPool, recheck: Duration) -> Self {
        Self { pool, recheck, valid_at: Mutex::new(HashMap::new()) }
    }

    /// Whether `access`'s credential still signs in its user, asked at most
    /// once a period. A database out of reach says nothing either way:
    /// access goes on, as an event stream's does, asked again next period.
    pub async fn still_valid(&self, access: &Access) -> bool {
        let key = (access.granted_by.clone(), access.user_id);
        if self.valid_at().get(&key).is_some_and(|checked| checked.elapsed() < self.recheck) {
            return true;
        }
        self.valid_now(access).await
    }

    /// Whether it does now, asking the database whatever was remembered: for
    /// what stays open (a tunnel), which asks once a period itself.
    pub async fn valid_now(&self, access: &Access) -> bool {
        let key = (access.granted_by.clone(), access.user_id);
        // The answer is as old as the question.
        let asked_at = Instant::now();
        let valid = access.granted_by.still_signs_in_as_far_as_known(&self.pool, access.user_id).await;
        if valid {
            self.remember(key, asked_at);
        } else {
            self.valid_at().remove(&key);
        }
        valid
    }

    fn remember(&self, key: (SignedInBy, Uuid), asked_at: Instant) {
        let mut valid_at = self.valid_at();
        if valid_at.len() >= REMEMBERED_AT_MOST {
            valid_at.retain(|_, checked| checked.elapsed() < self.recheck);
            if valid_at.len() >= REMEMBERED_AT_MOST {
                valid_at.clear();
            }
        }
        valid_at.insert(key, asked_at);
    }

    fn valid_at(&self) -> std::sync::MutexGuard<'_, HashMap<(SignedInBy, Uuid), Instant>> {
        self.valid_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
