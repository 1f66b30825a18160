//! The server functions of the sign-in, sign-up and settings pages.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::accounts::safe_next_path;
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
    use crate::model::accounts::NewAccount;

    let client_address = crate::request::client_address();
    crate::request::with_session(move |backend, session| async move {
        let account = NewAccount::parse(&email, &display_name, &password)?;
        backend.accounts.sign_up(&session, account, client_address).await
    })
    .await?;
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ports::SignInAttempt;

    let attempt = SignInAttempt { email, password, client_address: crate::request::client_address() };
    crate::request::with_session(move |backend, session| async move {
        backend.accounts.sign_in(&session, attempt).await
    })
    .await?;
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::request::with_session(
        move |backend, session| async move { backend.accounts.sign_out(&session).await },
    )
    .await?;
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
    crate::request::with_caller(move |backend, caller| async move {
        backend.accounts.create_api_token(&caller, &name).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: Uuid) -> Result<(), AppError> {
    crate::request::with_caller(move |backend, caller| async move {
        backend.accounts.revoke_api_token(&caller, id).await
    })
    .await
}
