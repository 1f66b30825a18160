//! Extractors for REST handlers: the signed-in user (401 otherwise) and JSON
//! bodies whose rejections speak the API's error format.

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::ports::Caller;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

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

/// Like [`CurrentUser`], with how they signed in, for the services whose
/// rules depend on it (only a password sign-in may manage API tokens).
pub struct CurrentCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for CurrentCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(AppError::sign_in_required)?;
        Ok(CurrentCaller(caller.clone()))
    }
}

/// A JSON object body, answering bad ones in the API's error format: 415
/// without the JSON content type, 400 for broken JSON, 422 for anything but
/// an object of the operation's fields. (serde alone would take an array
/// for a struct, which no documented body is.)
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::invalid_body("it must be a JSON object."));
        }
        serde_json::from_value(value).map(ApiJson).map_err(ApiError::invalid_body)
    }
}
