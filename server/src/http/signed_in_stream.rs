//! An event stream can stay open for hours, long after the credential that
//! opened it was revoked. So the credential is asked again every
//! [`RECHECK_EVERY`], and the stream ends once it signs nobody in: an API
//! token revoked, a session signed out or expired, an account deleted.

use app::error::AppError;
use app::ports::Caller;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use crate::auth::credential::{SignedInBy, RECHECK_EVERY};
use crate::http::api::error::ApiError;
use crate::http::AppState;

/// What signed a stream's caller in, kept to ask again.
#[derive(Clone)]
pub struct StreamCredential {
    user_id: Uuid,
    signed_in_by: SignedInBy,
}

impl<S: Send + Sync> FromRequestParts<S> for StreamCredential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(AppError::sign_in_required)?;
        let signed_in_by = parts.extensions.get::<SignedInBy>().ok_or_else(AppError::sign_in_required)?;
        Ok(StreamCredential { user_id: caller.user.id, signed_in_by: signed_in_by.clone() })
    }
}

impl StreamCredential {
    /// Whether it still signs in the user who opened the stream (a database
    /// out of reach says nothing either way: the stream goes on).
    async fn still_signs_in(&self, state: &AppState) -> bool {
        self.signed_in_by.still_signs_in_as_far_as_known(&state.pool, self.user_id).await
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
