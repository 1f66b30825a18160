//! The accounts service: the one implementation behind the sign-up and
//! sign-in server functions, the REST API and the authentication middleware.

use std::net::IpAddr;
use std::time::Duration;

use app::error::AppError;
use app::model::accounts::{
    validate_token_name, ApiTokenSummary, CreatedApiToken, NewAccount, UserProfile, MAX_EMAIL_CHARS,
    MAX_PASSWORD_CHARS,
};
use app::ports::{Accounts, Caller, Session, SignInAttempt};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::passwords::{hash_password, verify_password};
use crate::auth::tokens::{generate_token, token_digest};
use crate::auth::{repo, sessions, throttle};
use crate::config::{AuthConfig, ThrottlePolicy};
use crate::db::{Connect, DbPool, ServiceError, StoreError};
use crate::quotas::{Kept, Quotas};
use crate::rate_limits::{self, Bucket, Decision, Quota};

pub struct AccountService {
    pool: DbPool,
    throttle: ThrottlePolicy,
    /// New accounts per hour from one client address.
    sign_ups_per_address: Quota,
    /// How many API tokens an account may keep.
    quotas: Quotas,
    /// How often a used session's expiry is pushed forward.
    renew_sessions_every: Duration,
}

/// The one answer for a wrong email and a wrong password alike.
const WRONG_CREDENTIALS: &str = "The email or password is wrong.";

impl AccountService {
    pub fn new(pool: DbPool, config: &AuthConfig) -> Self {
        // Renewing at a small fraction of the lifetime keeps sliding expiry
        // accurate without writing the session on every request.
        let renew_sessions_every = (config.session_lifetime / 24).min(Duration::from_secs(3600));
        Self {
            pool,
            throttle: config.throttle,
            sign_ups_per_address: config.sign_ups_per_address,
            quotas: config.quotas,
            renew_sessions_every,
        }
    }

    /// The user a request's session belongs to (loaded with the session, in
    /// one query); renews the session when due and ends it when its user no
    /// longer exists.
    pub async fn user_of_session(&self, session: &Session) -> Result<Option<UserProfile>, AppError> {
        if sessions::signed_in_user_id(session).await?.is_none() {
            return Ok(None);
        }
        match sessions::signed_in_user(session).await? {
            Some(user) => {
                sessions::renew_if_due(session, self.renew_sessions_every).await?;
                Ok(Some(user))
            }
            None => {
                sessions::end(session).await?;
                Ok(None)
            }
        }
    }

    /// The owner of an API token, or 401 for a token that is unknown or
    /// revoked. "Last used" is written at most once a minute, after the
    /// answer: a request costs one query.
    pub async fn user_of_token(&self, secret: &str) -> Result<UserProfile, AppError> {
        let mut connection = self.pool.connection().await?;
        let holder =
            repo::find_token_holder(&mut connection, &token_digest(secret)).await?.ok_or_else(|| {
                AppError::Unauthorized("This API token is not valid. It may have been revoked.".into())
            })?;
        let now = chrono::Utc::now();
        if holder.last_used_at.is_none_or(|used| used < now - repo::TOUCH_EVERY) {
            let pool = self.pool.clone();
            tokio::spawn(async move {
                let touched = match pool.connection().await {
                    Ok(mut connection) => repo::touch_token(&mut connection, holder.token_id, now).await,
                    Err(error) => Err(error),
                };
                if let Err(error) = touched {
                    tracing::warn!(%error, "could not record when an API token was last used");
                }
            });
        }
        Ok(holder.user)
    }

    /// Deletes expired sessions and failures older than the throttling window.
    pub async fn delete_stale_records(&self) -> Result<(usize, usize), StoreError> {
        let sessions = sessions::delete_expired_sessions(&self.pool).await?;
        let mut connection = self.pool.connection().await?;
        let failures = throttle::delete_stale_failures(&mut connection, self.throttle.window).await?;
        Ok((sessions, failures))
    }
}

fn too_many_sign_ups(decision: &Decision) -> AppError {
    let minutes = decision.retry_after_secs().div_ceil(60);
    let when = if minutes <= 1 { "a minute".to_owned() } else { format!("{minutes} minutes") };
    AppError::TooManyRequests {
        message: format!(
            "{} accounts were created from your network in the last hour, the most allowed. \
             Please try again in {when}.",
            decision.limit
        ),
        retry_after_secs: decision.retry_after_secs(),
    }
}

fn too_many_attempts(wait: Duration) -> AppError {
    let minutes = wait.as_secs().div_ceil(60);
    let when = if minutes <= 1 { "a minute".to_owned() } else { format!("{minutes} minutes") };
    AppError::TooManyRequests {
        message: format!("Too many failed sign-ins. Please wait {when} before trying again."),
        retry_after_secs: wait.as_secs().max(1),
    }
}

#[async_trait::async_trait]
impl Accounts for AccountService {
    async fn sign_up(
        &self,
        session: &Session,
        account: NewAccount,
        client_address: Option<IpAddr>,
    ) -> Result<UserProfile, AppError> {
        // Counted before the hash, so a flood of sign-ups costs a query each.
        if let Some(address) = client_address {
            let bucket = Bucket::SignUpsFrom(address);
            let decision = rate_limits::take_from_pool(&self.pool, bucket, self.sign_ups_per_address).await?;
            if !decision.is_allowed {
                tracing::warn!(client = %address, "sign-up refused by its rate limit");
                return Err(too_many_sign_ups(&decision));
            }
        }
        let password_hash = hash_password(account.password().to_owned()).await?;
        let mut connection = self.pool.connection().await?;
        let user =
            repo::insert_user(&mut connection, account.email(), account.display_name(), &password_hash)
                .await
                .map_err(|error| match error {
                    repo::NewUserError::EmailTaken => AppError::Conflict(
                        "An account with this email already exists. Sign in instead, or use another email."
                            .into(),
                    ),
                    repo::NewUserError::Query(error) => StoreError::from(error).into(),
                })?;
        drop(connection);
        sessions::begin(session, user.id).await?;
        tracing::info!(user_id = %user.id, "account created");
        Ok(user)
    }

    async fn sign_in(&self, session: &Session, attempt: SignInAttempt) -> Result<UserProfile, AppError> {
        let account = throttle::account_key(&attempt.email);
        let attempt_address = attempt.client_address;
        // Nothing this long can be right; refuse it before it costs a hash.
        if account.chars().count() > MAX_EMAIL_CHARS || attempt.password.chars().count() > MAX_PASSWORD_CHARS
        {
            return Err(AppError::Unauthorized(WRONG_CREDENTIALS.into()));
        }
        let mut connection = self.pool.connection().await?;
        // Refuse before hashing: a throttled caller costs one query, not a hash.
        if let Err(wait) =
            throttle::claim_attempt(&mut connection, &self.throttle, &account, attempt.client_address).await?
        {
            tracing::warn!(client = ?attempt.client_address, "sign-in refused by throttling");
            return Err(too_many_attempts(wait));
        }
        // As typed, not the throttle's key: PostgreSQL lowers both sides.
        let found = repo::find_user_by_email(&mut connection, &attempt.email).await?;
        let (user, stored_hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        // No connection is held while the hash is computed.
        drop(connection);
        let is_correct = verify_password(attempt.password, stored_hash).await?;
        match user {
            Some(user) if is_correct => {
                let mut connection = self.pool.connection().await?;
                throttle::forget_failures(&mut connection, &account, attempt_address).await?;
                drop(connection);
                sessions::begin(session, user.id).await?;
                Ok(user)
            }
            // The attempt was counted as a failure when it was claimed.
            _ => Err(AppError::Unauthorized(WRONG_CREDENTIALS.into())),
        }
    }

    async fn sign_out(&self, session: &Session) -> Result<(), AppError> {
        Ok(sessions::end(session).await?)
    }

    async fn api_tokens(&self, owner: &UserProfile) -> Result<Vec<ApiTokenSummary>, AppError> {
        let mut connection = self.pool.connection().await?;
        Ok(repo::list_tokens(&mut connection, owner.id).await?)
    }

    async fn create_api_token(&self, caller: &Caller, name: &str) -> Result<CreatedApiToken, AppError> {
        let owner = caller.require_session()?;
        let name = &validate_token_name(name)?;
        let generated = generate_token().map_err(|error| {
            tracing::error!(%error, "the system random source failed");
            AppError::Internal
        })?;
        let mut connection = self.pool.connection().await?;
        let quotas = self.quotas;
        let token = connection
            .transaction(async |connection| {
                quotas.make_room(connection, owner.id, Kept::ApiTokens).await?;
                let token =
                    repo::insert_token(connection, owner.id, name, &generated.digest, &generated.prefix)
                        .await?;
                Ok::<_, ServiceError>(token)
            })
            .await?;
        tracing::info!(user_id = %owner.id, token_id = %token.id, "API token created");
        Ok(CreatedApiToken { token, secret: generated.secret })
    }

    async fn revoke_api_token(&self, caller: &Caller, token_id: Uuid) -> Result<(), AppError> {
        let owner = caller.require_session()?;
        let mut connection = self.pool.connection().await?;
        if repo::delete_token(&mut connection, owner.id, token_id).await? {
            tracing::info!(user_id = %owner.id, %token_id, "API token revoked");
            Ok(())
        } else {
            Err(AppError::NotFound("There is no such API token.".into()))
        }
    }
}
