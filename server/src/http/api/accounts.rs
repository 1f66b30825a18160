//! `/api/me` and `/api/tokens`: the REST face of the accounts service.

use app::model::accounts::{ApiTokenSummary, CreatedApiToken, UserProfile, MAX_TOKEN_NAME_CHARS};
use app::ports::Accounts;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::extract::{ApiJson, CurrentCaller, CurrentUser};
use crate::http::AppState;

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "account", responses((status = OK, body = UserProfile)))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {
    Json(user)
}

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "account", responses((status = OK, body = Vec<ApiTokenSummary>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<ApiTokenSummary>>, ApiError> {
    Ok(Json(state.accounts.api_tokens(&user).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for, to recognise it later.
    #[schema(schema_with = app::model::text_schemas::visible_text::<MAX_TOKEN_NAME_CHARS>)]
    name: String,
}

/// Create a token; its secret is in this answer only. Signed in with a
/// password only: a token cannot make tokens.
#[utoipa::path(post, path = "/tokens", tag = "account", request_body = NewToken,
    responses((status = CREATED, body = CreatedApiToken), (status = CONFLICT, description = "The account keeps as many as it may; the message says what to delete", body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    CurrentCaller(caller): CurrentCaller,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedApiToken>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.accounts.create_api_token(&caller, &body.name).await?)))
}

/// Revoke a token (signed in with a password only).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "account",
    params(("id" = Uuid, Path, description = "The token's id")),
    responses((status = NO_CONTENT, description = "Revoked")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // A malformed id names no token, exactly like someone else's: the nil
    // id, which no token has, is answered as such.
    let id = Uuid::parse_str(&id).unwrap_or(Uuid::nil());
    state.accounts.revoke_api_token(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
