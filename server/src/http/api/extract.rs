//! Extractors for REST handlers: the signed-in user (401 otherwise) and JSON
//! bodies whose rejections speak the API's error format.

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::ports::Caller;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, MissingJsonContentType};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::auth::credential::SignedInBy;
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

/// Like [`CurrentUser`], with the credential they signed in with, for what
/// is granted to last only as long as it does (a preview's access).
pub struct SignedInUser {
    pub user: UserProfile,
    pub signed_in_by: SignedInBy,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(AppError::sign_in_required)?;
        let signed_in_by = parts.extensions.get::<SignedInBy>().ok_or_else(AppError::sign_in_required)?;
        Ok(SignedInUser { user: caller.user.clone(), signed_in_by: signed_in_by.clone() })
    }
}

/// A JSON object body, answering bad ones in the API's error format: 415
/// without the JSON content type, 400 for broken JSON, 422 for anything but
/// an object of the operation's fields. (serde alone would take an array
/// for a struct, which no documented body is.) The body is read straight
/// into `T`: a tree of `Value`s first would take many times its size.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(request.headers()) {
            return Err(JsonRejection::from(MissingJsonContentType::default()).into());
        }
        let bytes = Bytes::from_request(request, state).await.map_err(JsonRejection::from)?;
        let opens_an_object = bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{');
        if !opens_an_object {
            // Broken JSON is still told as such (400), without building anything.
            let _well_formed = axum::Json::<IgnoredAny>::from_bytes(&bytes)?;
            return Err(ApiError::invalid_body("it must be a JSON object."));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(ApiJson(value))
    }
}

/// `application/json`, or a type of it such as `application/merge-patch+json`.
fn has_json_content_type(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Named {
        #[allow(dead_code)]
        name: String,
    }

    async fn status_of(content_type: &str, body: &'static str) -> u16 {
        let request =
            Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(body)).unwrap();
        match ApiJson::<Named>::from_request(request, &()).await {
            Ok(_) => 200,
            Err(error) => axum::response::IntoResponse::into_response(error).status().as_u16(),
        }
    }

    #[tokio::test]
    async fn bodies_are_refused_with_the_status_that_says_why() {
        assert_eq!(status_of("application/json", r#" {"name": "Ada"}"#).await, 200);
        assert_eq!(status_of("application/json; charset=utf-8", r#"{"name": "Ada"}"#).await, 200);
        assert_eq!(status_of("text/plain", r#"{"name": "Ada"}"#).await, 415);
        assert_eq!(status_of("application/json", r#"{"name": "#).await, 400);
        assert_eq!(status_of("application/json", r#"[1, 2"#).await, 400);
        assert_eq!(
            status_of("application/json", r#"["Ada"]"#).await,
            422,
            "an array passes for a struct in serde"
        );
        assert_eq!(status_of("application/json", r#"{"nom": "Ada"}"#).await, 422);
    }
}
