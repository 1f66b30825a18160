//! Extractors for REST handlers: the signed-in user (401 otherwise) and JSON
//! bodies whose rejections speak the API's error format.

use app::api::accounts::UserProfile;
use app::backend::Caller;
use app::error::AppError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::http::api::error::ApiError;

/// The user the request was authenticated as, by session cookie or API token.
/// Taking it as an argument is how a handler says it touches user data.
pub struct CurrentUser(pub UserProfile);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(AppError::sign_in_required)?;
        Ok(CurrentUser(caller.user.clone()))
    }
}

/// Like [`CurrentUser`], for what only a password sign-in may do (403 for an API token).
pub struct SessionUser(pub UserProfile);

impl<S: Send + Sync> FromRequestParts<S> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(AppError::sign_in_required)?;
        Ok(SessionUser(caller.require_session()?.clone()))
    }
}

/// `axum::Json`, answering bad bodies in the API's error format.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(ApiJson(value))
    }
}
