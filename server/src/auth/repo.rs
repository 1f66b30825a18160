//! Queries on users and their API tokens. Every token query takes the owner's
//! id, so a token is only ever reached through the user it belongs to.

use app::model::accounts::{ApiTokenSummary, UserProfile};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{api_tokens, users};
use crate::db::StoreResult;

/// How often a token's "last used" time is written, at most.
pub const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    created_at: DateTime<Utc>,
}

impl From<UserRow> for UserProfile {
    fn from(row: UserRow) -> Self {
        UserProfile {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            created_at: row.created_at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
struct ApiTokenRow {
    id: Uuid,
    name: String,
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenRow> for ApiTokenSummary {
    fn from(row: ApiTokenRow) -> Self {
        ApiTokenSummary {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NewUserError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Query(#[from] DieselError),
}

pub async fn insert_user(
    connection: &mut AsyncPgConnection,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<UserProfile, NewUserError> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(Uuid::now_v7()),
            users::email.eq(email),
            users::display_name.eq(display_name),
            users::password_hash.eq(password_hash),
        ))
        .returning(UserRow::as_returning())
        .get_result(connection)
        .await
        .map(UserProfile::from)
        .map_err(|error| match error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => NewUserError::EmailTaken,
            other => NewUserError::Query(other),
        })
}

/// The account registered under `email` in any letter case, with its password hash.
pub async fn find_user_by_email(
    connection: &mut AsyncPgConnection,
    email: &str,
) -> StoreResult<Option<(UserProfile, String)>> {
    Ok(users::table
        // Both sides lowered by PostgreSQL: Rust's lowercase differs for some letters (a final Σ).
        .filter(lower(users::email).eq(lower(email.trim())))
        .select((UserRow::as_select(), users::password_hash))
        .first::<(UserRow, String)>(connection)
        .await
        .optional()
        .map(|row| row.map(|(user, hash)| (user.into(), hash)))?)
}

/// Who holds an API token, and when it was last used.
pub struct TokenHolder {
    pub token_id: Uuid,
    pub last_used_at: Option<DateTime<Utc>>,
    pub user: UserProfile,
}

/// The token with this digest and its owner, in one query.
pub async fn find_token_holder(
    connection: &mut AsyncPgConnection,
    digest: &[u8],
) -> StoreResult<Option<TokenHolder>> {
    let found: Option<(Uuid, Option<DateTime<Utc>>, UserRow)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(digest))
        .select((api_tokens::id, api_tokens::last_used_at, UserRow::as_select()))
        .first(connection)
        .await
        .optional()?;
    Ok(found.map(|(token_id, last_used_at, user)| TokenHolder { token_id, last_used_at, user: user.into() }))
}

/// Records that the token was used at `now`, unless another request did
/// within the last minute.
pub async fn touch_token(
    connection: &mut AsyncPgConnection,
    token_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(api_tokens::table.find(token_id))
        .filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(now - TOUCH_EVERY)))
        .set(api_tokens::last_used_at.eq(now))
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn list_tokens(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
) -> StoreResult<Vec<ApiTokenSummary>> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(owner_id))
        .order(api_tokens::created_at.desc())
        .select(ApiTokenRow::as_select())
        .load(connection)
        .await
        .map(|rows| rows.into_iter().map(ApiTokenSummary::from).collect())?)
}

pub async fn insert_token(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    name: &str,
    digest: &[u8],
    prefix: &str,
) -> StoreResult<ApiTokenSummary> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(Uuid::now_v7()),
            api_tokens::user_id.eq(owner_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(digest),
            api_tokens::prefix.eq(prefix),
        ))
        .returning(ApiTokenRow::as_returning())
        .get_result(connection)
        .await
        .map(ApiTokenSummary::from)?)
}

/// Deletes the owner's token; `false` when the owner has no such token.
pub async fn delete_token(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    token_id: Uuid,
) -> StoreResult<bool> {
    Ok(diesel::delete(
        api_tokens::table.filter(api_tokens::id.eq(token_id)).filter(api_tokens::user_id.eq(owner_id)),
    )
    .execute(connection)
    .await
    .map(|deleted| deleted == 1)?)
}
