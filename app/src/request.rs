//! What server functions need from the request they answer: who is
//! calling, the backend, and an error's HTTP status on the response.
//! [`with_signed_in_user`] is the body of nearly every server function;
//! [`with_caller`] and [`with_session`] of the few that need more or less.

use std::future::Future;
use std::net::IpAddr;

use leptos::prelude::use_context;

use crate::error::AppError;
use crate::model::accounts::UserProfile;
use crate::ports::{Backend, Caller, ClientAddress, Session};

/// Runs `work` with the backend for the signed-in user (401 when nobody
/// is signed in), and sets the response's status from the error, if any.
pub async fn with_signed_in_user<T, Work>(
    work: impl FnOnce(Backend, UserProfile) -> Work,
) -> Result<T, AppError>
where
    Work: Future<Output = Result<T, AppError>>,
{
    with_caller(|backend, caller| work(backend, caller.user)).await
}

/// As [`with_signed_in_user`], for the services that care how the caller
/// signed in (API tokens cannot manage API tokens).
pub async fn with_caller<T, Work>(work: impl FnOnce(Backend, Caller) -> Work) -> Result<T, AppError>
where
    Work: Future<Output = Result<T, AppError>>,
{
    let outcome = match (caller().ok_or_else(AppError::sign_in_required), use_backend()) {
        (Ok(caller), Ok(backend)) => work(backend, caller).await,
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    outcome.map_err(respond_with_error)
}

/// Runs `work` with the backend and the request's session, signed in or
/// not: signing up, in and out.
pub async fn with_session<T, Work>(work: impl FnOnce(Backend, Session) -> Work) -> Result<T, AppError>
where
    Work: Future<Output = Result<T, AppError>>,
{
    let outcome = match (use_backend(), request_session()) {
        (Ok(backend), Ok(session)) => work(backend, session).await,
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    outcome.map_err(respond_with_error)
}

/// The backend provided by the router, or an error a person can read when a
/// server function is mounted without it (a wiring mistake, logged loudly).
fn use_backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| {
        tracing::error!("server function called without the Backend context");
        AppError::Internal
    })
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

fn caller() -> Option<Caller> {
    request_parts()?.extensions.get::<Caller>().cloned()
}

/// The signed-in user of the current request, if any.
pub fn signed_in_user() -> Option<UserProfile> {
    caller().map(|caller| caller.user)
}

/// The current request's session (the server's session layer puts it there).
fn request_session() -> Result<Session, AppError> {
    request_parts().and_then(|parts| parts.extensions.get::<Session>().cloned()).ok_or_else(|| {
        tracing::error!("server function called without the session layer");
        AppError::Internal
    })
}

pub fn client_address() -> Option<IpAddr> {
    request_parts()?.extensions.get::<ClientAddress>().map(|address| address.0)
}

/// Sets the HTTP status (and `Retry-After`) of the current server-function
/// response to match `error`. A plain HTML form post (no JavaScript) is left
/// alone: Leptos answers it with a redirect back to the form, carrying the
/// error in the URL, and a status here would turn that into a blank page.
pub(crate) fn respond_with_error(error: AppError) -> AppError {
    if !is_plain_form_post() {
        set_response_status(&error);
    }
    if let (Some(response), AppError::TooManyRequests { retry_after_secs, .. }) =
        (use_context::<leptos_axum::ResponseOptions>(), &error)
    {
        response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(*retry_after_secs));
    }
    error
}

/// Sets the status of the response being made from `error`: a server
/// function's answer, or a page about something missing (404, as the
/// not-found page answers; [`crate::loaded::load_subject`] sets it before
/// the page's head leaves).
pub fn set_response_status(error: &AppError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum_status(error.status_code()));
    }
}

fn is_plain_form_post() -> bool {
    request_parts()
        .and_then(|parts| parts.headers.get(http::header::ACCEPT)?.to_str().ok().map(str::to_owned))
        .is_some_and(|accept| accept.contains("text/html"))
}

fn axum_status(code: u16) -> http::StatusCode {
    http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
}
