//! Browser sessions: tower-sessions manages the cookie and the session's
//! life, this module stores sessions in PostgreSQL (so they survive restarts
//! and are shared by every server process) and says what a signed-in session
//! holds.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use app::error::AppError;
use app::model::accounts::UserProfile;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use uuid::Uuid;

use crate::config::AuthConfig;
use crate::db::schema::sessions;
use crate::db::static_sql::{bind, static_sql};
use crate::db::{DbPool, StoreError};

/// The session cookie's name over plain http.
pub const SESSION_COOKIE: &str = "agents_session";
/// Its name over https. Browsers take a `__Host-` cookie only from this very
/// host, over https and without a `Domain`, so a page on another host of
/// the domain (a preview's) cannot plant a session of its choosing here.
pub const SECURE_SESSION_COOKIE: &str = "__Host-agents_session";
const USER_ID_KEY: &str = "user_id";
/// When the session's expiry was last pushed forward (unix seconds).
const RENEWED_AT_KEY: &str = "renewed_at";
/// The signed-in user's profile as the store loaded it with the session
/// (one query for both); never stored, absent once the user is gone.
const LOADED_USER_KEY: &str = "_loaded_user";

/// The cookie layer: opaque id, HttpOnly, SameSite=Lax, Secure (and a
/// `__Host-` cookie) over https, expiring after `session_lifetime` without use.
pub fn session_layer(pool: DbPool, config: &AuthConfig) -> SessionManagerLayer<PgSessionStore> {
    let lifetime = time::Duration::try_from(config.session_lifetime).unwrap_or(time::Duration::weeks(2));
    SessionManagerLayer::new(PgSessionStore { pool })
        .with_name(if config.secure_cookies { SECURE_SESSION_COOKIE } else { SESSION_COOKIE })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(lifetime))
}

/// The session store failed to read or save a session: answered as "try
/// again" (503), since the store is the database.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SessionError(#[from] tower_sessions::session::Error);

impl From<SessionError> for AppError {
    fn from(error: SessionError) -> Self {
        tracing::error!(%error, "session store failed");
        AppError::Unavailable("Your session could not be read or saved. Please try again in a moment.".into())
    }
}

/// Starts a signed-in session under a new id, so an id planted before sign-in
/// (session fixation) is worthless afterwards.
pub async fn begin(session: &Session, user_id: Uuid) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user_id).await?;
    Ok(session.insert(RENEWED_AT_KEY, Utc::now().timestamp()).await?)
}

/// Deletes the session from the store and the browser.
pub async fn end(session: &Session) -> Result<(), SessionError> {
    Ok(session.flush().await?)
}

pub async fn signed_in_user_id(session: &Session) -> Result<Option<Uuid>, SessionError> {
    Ok(session.get(USER_ID_KEY).await?)
}

/// The signed-in user, read with the session itself; `None` when nobody
/// signed in or the user no longer exists.
pub async fn signed_in_user(session: &Session) -> Result<Option<UserProfile>, SessionError> {
    Ok(session.get(LOADED_USER_KEY).await?)
}

/// Pushes the expiry forward when the last push is older than
/// `every`: sliding expiry without a database write on every request.
pub async fn renew_if_due(session: &Session, every: Duration) -> Result<(), SessionError> {
    let now = Utc::now().timestamp();
    let renewed_at: i64 = session.get(RENEWED_AT_KEY).await?.unwrap_or(0);
    if now.saturating_sub(renewed_at) >= i64::try_from(every.as_secs()).unwrap_or(i64::MAX) {
        session.insert(RENEWED_AT_KEY, now).await?;
    }
    Ok(())
}

/// Sessions in the `sessions` table, each under the digest of its id
/// ([`stored_id`]); expired rows are never loaded and are deleted by
/// [`delete_expired_sessions`].
#[derive(Clone)]
pub struct PgSessionStore {
    pool: DbPool,
}

impl PgSessionStore {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }
}

impl fmt::Debug for PgSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSessionStore").finish_non_exhaustive()
    }
}

/// The row's key: the SHA-256 of the cookie's value, like API tokens, so
/// reading the table hands out no live session.
pub(super) fn stored_id(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn backend_error(error: impl Into<StoreError>) -> session_store::Error {
    session_store::Error::Backend(error.into().to_string())
}

fn expiry_of(record: &Record) -> DateTime<Utc> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), record.expiry_date.nanosecond())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What is stored of a session: its data without the loaded user.
fn data_of(record: &Record) -> session_store::Result<serde_json::Value> {
    let mut data = serde_json::to_value(&record.data)
        .map_err(|error| session_store::Error::Encode(error.to_string()))?;
    if let Some(data) = data.as_object_mut() {
        data.remove(LOADED_USER_KEY);
    }
    Ok(data)
}

/// A session row with its user's, as one query returns them.
#[derive(QueryableByName)]
struct SessionWithUser {
    #[diesel(sql_type = Jsonb)]
    data: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    expires_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    display_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    user_created_at: Option<DateTime<Utc>>,
}

impl SessionWithUser {
    fn user(&self) -> Option<UserProfile> {
        Some(UserProfile {
            id: self.user_id?,
            email: self.email.clone()?,
            display_name: self.display_name.clone()?,
            created_at: self.user_created_at?,
        })
    }
}

/// The session, unexpired, joined with its signed-in user through the id
/// in its data (guarded, so a malformed id joins nothing rather than fails).
const LOAD_WITH_USER: &str = "\
    SELECT s.data, s.expires_at, u.id AS user_id, u.email, u.display_name, u.created_at AS user_created_at \
    FROM sessions s \
    LEFT JOIN users u ON u.id = CASE \
        WHEN s.data->>'user_id' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' \
        THEN (s.data->>'user_id')::uuid END \
    WHERE s.id = $1 AND s.expires_at > now()";

#[async_trait::async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut connection = self.pool.get().await.map_err(backend_error)?;
        let data = data_of(record)?;
        // Ids are 128 random bits, but a collision must still never join two
        // people's sessions: insert only a fresh id, draw again otherwise.
        loop {
            let inserted = diesel::insert_into(sessions::table)
                .values((
                    sessions::id.eq(stored_id(&record.id)),
                    sessions::data.eq(&data),
                    sessions::expires_at.eq(expiry_of(record)),
                ))
                .on_conflict_do_nothing()
                .execute(&mut connection)
                .await
                .map_err(backend_error)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates a session that exists; never brings back one that was deleted
    /// meanwhile (a sign-out racing a request of the same session), since new
    /// sessions always go through `create`.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut connection = self.pool.get().await.map_err(backend_error)?;
        diesel::update(sessions::table.find(stored_id(&record.id)))
            .set((sessions::data.eq(data_of(record)?), sessions::expires_at.eq(expiry_of(record))))
            .execute(&mut connection)
            .await
            .map_err(backend_error)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut connection = self.pool.get().await.map_err(backend_error)?;
        let row: Option<SessionWithUser> = static_sql(LOAD_WITH_USER, bind::<Text, _>(stored_id(id)))
            .get_result(&mut connection)
            .await
            .optional()
            .map_err(backend_error)?;
        let Some(row) = row else { return Ok(None) };
        let user = row.user();
        let mut data: HashMap<String, serde_json::Value> = serde_json::from_value(row.data)
            .map_err(|error| session_store::Error::Decode(error.to_string()))?;
        if let Some(user) = user {
            let user = serde_json::to_value(user)
                .map_err(|error| session_store::Error::Encode(error.to_string()))?;
            data.insert(LOADED_USER_KEY.to_owned(), user);
        }
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|error| session_store::Error::Decode(error.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut connection = self.pool.get().await.map_err(backend_error)?;
        diesel::delete(sessions::table.find(stored_id(id)))
            .execute(&mut connection)
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}

/// The user of the unexpired session stored under `key` (the digest of its
/// id): for what outlives the request that loaded the session (a stream, a
/// preview's access), to learn of a sign-out meanwhile.
pub async fn user_of_stored_key(
    connection: &mut AsyncPgConnection,
    key: &str,
) -> Result<Option<Uuid>, StoreError> {
    let row: Option<SessionWithUser> =
        static_sql(LOAD_WITH_USER, bind::<Text, _>(key)).get_result(connection).await.optional()?;
    Ok(row.and_then(|row| row.user_id))
}

pub async fn delete_expired_sessions(pool: &DbPool) -> Result<usize, StoreError> {
    let mut connection = pool.get().await?;
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(Utc::now())))
        .execute(&mut connection)
        .await?)
}
