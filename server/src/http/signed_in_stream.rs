//! An event stream can stay open for hours, long after the credential that
//! opened it was revoked. So the credential is asked again every
//! [`RECHECK_EVERY`], and the stream ends once it signs nobody in: an API
//! token revoked, a session signed out or expired, an account deleted.

use std::time::Duration;

use app::error::AppError;
use app::ports::{Caller, Credential, Session};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use futures_util::{Stream, StreamExt};
use tower_sessions::session::Id;
use uuid::Uuid;

use crate::auth::sessions;
use crate::http::api::error::ApiError;
use crate::http::AppState;

/// How long a revoked credential's streams may go on.
pub const RECHECK_EVERY: Duration = Duration::from_secs(15);

/// What signed a stream's caller in, kept to ask again.
#[derive(Clone)]
pub struct StreamCredential {
    user_id: Uuid,
    proof: Proof,
}

#[derive(Clone)]
enum Proof {
    Token(String),
    Session(Id),
    /// A caller no credential signed in (an in-process call in a test):
    /// nothing to ask again.
    None,
}

impl<S: Send + Sync> FromRequestParts<S> for StreamCredential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(AppError::sign_in_required)?;
        let proof = match caller.credential {
            Credential::ApiToken => parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .map_or(Proof::None, |secret| Proof::Token(secret.trim().to_owned())),
            Credential::Session => {
                parts.extensions.get::<Session>().and_then(Session::id).map_or(Proof::None, Proof::Session)
            }
        };
        Ok(StreamCredential { user_id: caller.user.id, proof })
    }
}

impl StreamCredential {
    /// Whether it still signs in the user who opened the stream. A database
    /// out of reach says nothing either way: the stream goes on.
    async fn still_signs_in(&self, state: &AppState) -> bool {
        let user = match &self.proof {
            Proof::Token(secret) => match state.accounts.user_of_token(secret).await {
                Ok(user) => Ok(Some(user.id)),
                Err(AppError::Unauthorized(_)) => Ok(None),
                Err(error) => Err(error.to_string()),
            },
            Proof::Session(id) => {
                sessions::user_of_stored_session(&state.pool, id).await.map_err(|error| error.to_string())
            }
            Proof::None => return true,
        };
        match user {
            Ok(user) => user == Some(self.user_id),
            Err(error) => {
                tracing::warn!(%error, "could not check a stream's credential; it goes on");
                true
            }
        }
    }
}

/// `events` for as long as `credential` signs its user in.
pub fn while_signed_in<T: Send + 'static>(
    state: AppState,
    credential: StreamCredential,
    events: impl Stream<Item = T> + Send + 'static,
) -> impl Stream<Item = T> + Send + 'static {
    let checks = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    futures_util::stream::unfold(
        (events.boxed(), checks, state, credential),
        |(mut events, mut checks, state, credential)| async move {
            loop {
                tokio::select! {
                    item = events.next() => return item.map(|item| (item, (events, checks, state, credential))),
                    _ = checks.tick() => {
                        if !credential.still_signs_in(&state).await {
                            tracing::info!(user_id = %credential.user_id, "ended a stream whose credential signs nobody in any more");
                            return None;
                        }
                    }
                }
            }
        },
    )
}
