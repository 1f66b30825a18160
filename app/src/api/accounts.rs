//! The server functions of the sign-in, sign-up and settings pages.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::accounts::{safe_next_path, validate_new_account};
use crate::model::accounts::{ApiTokenSummary, CreatedApiToken, UserProfile};

/// Who is signed in, or `None`: the shell asks this to show the user menu.
#[server(prefix = "/fn", endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<UserProfile>, AppError> {
    Ok(crate::request::signed_in_user())
}

#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::request::{client_address, request_session, respond_with_error, use_backend};

    let account = validate_new_account(&email, &display_name, &password).map_err(respond_with_error)?;
    let backend = use_backend().map_err(respond_with_error)?;
    let session = request_session().map_err(respond_with_error)?;
    backend.accounts.sign_up(&session, account, client_address()).await.map_err(respond_with_error)?;
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ports::SignInAttempt;
    use crate::request::{client_address, request_session, respond_with_error, use_backend};

    let backend = use_backend().map_err(respond_with_error)?;
    let session = request_session().map_err(respond_with_error)?;
    let attempt = SignInAttempt { email, password, client_address: client_address() };
    backend.accounts.sign_in(&session, attempt).await.map_err(respond_with_error)?;
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::request::{request_session, respond_with_error, use_backend};

    let backend = use_backend().map_err(respond_with_error)?;
    let session = request_session().map_err(respond_with_error)?;
    backend.accounts.sign_out(&session).await.map_err(respond_with_error)?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

#[server(prefix = "/fn", endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, AppError> {
    crate::request::with_signed_in_user(move |backend, owner| async move {
        backend.accounts.api_tokens(&owner).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "create_api_token")]
pub async fn create_api_token(name: String) -> Result<CreatedApiToken, AppError> {
    use crate::request::{require_session_user, respond_with_error, use_backend};

    let owner = require_session_user().map_err(respond_with_error)?;
    let backend = use_backend().map_err(respond_with_error)?;
    backend.accounts.create_api_token(&owner, &name).await.map_err(respond_with_error)
}

#[server(prefix = "/fn", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: Uuid) -> Result<(), AppError> {
    use crate::request::{require_session_user, respond_with_error, use_backend};

    let owner = require_session_user().map_err(respond_with_error)?;
    let backend = use_backend().map_err(respond_with_error)?;
    backend.accounts.revoke_api_token(&owner, id).await.map_err(respond_with_error)
}
