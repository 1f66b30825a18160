//! `/api/me` and `/api/tokens`: the REST face of the accounts service.

use app::api::accounts::{ApiTokenSummary, CreatedApiToken, UserProfile};
use app::backend::Accounts;
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::api::error::ApiError;
use crate::http::api::extract::{ApiJson, CurrentUser, SessionUser};
use crate::http::AppState;

pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {
    Json(user)
}

pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<ApiTokenSummary>>, ApiError> {
    Ok(Json(state.accounts.api_tokens(&user).await?))
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedApiToken>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.accounts.create_api_token(&user, &body.name).await?)))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // A malformed id names no token, exactly like someone else's.
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound("There is no such API token.".into()))?;
    state.accounts.revoke_api_token(&user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
