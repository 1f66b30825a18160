//! The error every server function returns: a kind the UI can branch on and a
//! message a person can read. Internals are logged on the server, never sent.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Nobody is signed in, or the session or API token is no longer valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Refused whoever asks, e.g. a state-changing request from another site.
    #[error("{0}")]
    Forbidden(String),
    /// Missing, or belonging to someone else: the two are never told apart.
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with what exists, e.g. an email already registered.
    #[error("{0}")]
    Conflict(String),
    /// Over a size limit; the message names the limit and the actual size.
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Invalid(String),
    /// Too many attempts; the client may try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// A dependency (the database, a provider) cannot be reached right now.
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request never reached the function, or its answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::TooLarge(_) => 413,
            AppError::Invalid(_) => 422,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// A short machine-readable name for the kind, used by the REST API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::Invalid(_) => "invalid",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal => "internal",
            AppError::Transport(_) => "transport",
        }
    }

    /// The error every endpoint gives an anonymous caller.
    pub fn sign_in_required() -> Self {
        AppError::Unauthorized("Please sign in to continue.".into())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            // Only the server reads a call's arguments: these name a request
            // that was malformed, not a server that could not be reached.
            ServerFnErrorErr::Args(reason) | ServerFnErrorErr::MissingArg(reason) => {
                let error = AppError::Invalid(format!("The request's fields could not be read: {reason}"));
                #[cfg(feature = "ssr")]
                let error = crate::request::respond_with_error(error);
                error
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}
