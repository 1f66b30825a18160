//! How the REST API answers errors: the right status and
//! `{ "error": { "code": "...", "message": "..." } }`, with `Retry-After` on 429.

use app::error::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let retry_after_secs = match &error {
            AppError::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        };
        Self {
            status: StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: error.code(),
            message: error.to_string(),
            retry_after_secs,
        }
    }
}

impl ApiError {
    /// A body that is JSON but not what the operation takes (422).
    pub fn invalid_body(reason: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_body",
            message: format!("The request body could not be read: {reason}"),
            retry_after_secs: None,
        }
    }
}

impl ApiError {
    /// A request for a host name this server does not answer to (421), see
    /// `http::host_check`.
    pub fn unknown_host(host: &str) -> Self {
        Self {
            status: StatusCode::MISDIRECTED_REQUEST,
            code: "unknown_host",
            message: format!(
                "This server does not answer to the name \"{host}\". If that is its address, \
                 set PUBLIC_URL to it or add the name to ALLOWED_HOSTS."
            ),
            retry_after_secs: None,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self {
            status: rejection.status(),
            code: "invalid_body",
            message: format!("The request body could not be read: {}", rejection.body_text()),
            retry_after_secs: None,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::Invalid(format!("The query string could not be read: {}", rejection.body_text())).into()
    }
}

/// The body of every error answer; the OpenAPI document's `Error` schema.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What kind of error, for programs: `not_found`, `invalid`, `conflict`, …
    code: &'static str,
    /// What went wrong, for people.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(ErrorBody { error: ErrorDetail { code: self.code, message: self.message } });
        let mut response = (self.status, body).into_response();
        if let Some(seconds) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
