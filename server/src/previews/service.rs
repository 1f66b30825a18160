//! The previews as the platform's users reach them (the REST API and the
//! build page): the owner's builds only, and links signed for them.

use std::sync::Arc;
use std::time::Duration;

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::builds::build_not_found;
use app::model::previews::{PreviewLink, PreviewStatus};
use chrono::Utc;
use uuid::Uuid;

use super::access::{Access, AccessSigner, Purpose};
use super::Previews;
use crate::auth::credential::SignedInBy;
use crate::db::{Connect, DbPool};

/// How long a link opens the preview: long enough to follow it.
pub const LINK_LIFETIME: Duration = Duration::from_secs(60);
/// Where a link lands on the preview origin.
pub const ENTER_PATH: &str = "/__preview/enter";

pub struct PreviewService {
    pool: DbPool,
    previews: Arc<Previews>,
    signer: Arc<AccessSigner>,
}

impl PreviewService {
    pub fn new(pool: DbPool, previews: Arc<Previews>, signer: Arc<AccessSigner>) -> Self {
        Self { pool, previews, signer }
    }

    /// A link, valid for a minute, that opens the preview in a browser; the
    /// access it gives ends with `granted_by`, the credential that asked.
    pub async fn link(
        &self,
        owner: &UserProfile,
        granted_by: SignedInBy,
        build_id: Uuid,
    ) -> Result<PreviewLink, AppError> {
        self.check_owner(owner, build_id).await?;
        let origin = self.previews.settings.origin.as_ref().ok_or_else(previews_off)?;
        let now = Utc::now();
        let expires_at =
            chrono::DateTime::from_timestamp(now.timestamp() + LINK_LIFETIME.as_secs() as i64, 0)
                .unwrap_or(now);
        let token = self
            .signer
            .sign(Purpose::Link, &Access { build_id, user_id: owner.id, expires: expires_at, granted_by });
        Ok(PreviewLink {
            url: format!("{}{ENTER_PATH}?token={token}", origin.for_build(build_id)),
            expires_at,
        })
    }

    async fn check_owner(&self, owner: &UserProfile, build_id: Uuid) -> Result<(), AppError> {
        let mut connection = self.pool.connection().await?;
        crate::builds::repo::find(&mut connection, owner.id, build_id)
            .await?
            .map(|_| ())
            .ok_or_else(build_not_found)
    }
}

fn previews_off() -> AppError {
    AppError::Unavailable("Previews are turned off on this server (PREVIEW_ADDR=off).".into())
}

#[async_trait::async_trait]
impl app::ports::Previews for PreviewService {
    async fn status(&self, owner: &UserProfile, build_id: Uuid) -> Result<PreviewStatus, AppError> {
        self.check_owner(owner, build_id).await?;
        Ok(self.previews.status(build_id).await)
    }

    async fn restart(&self, owner: &UserProfile, build_id: Uuid) -> Result<PreviewStatus, AppError> {
        self.check_owner(owner, build_id).await?;
        if self.previews.settings.origin.is_none() {
            return Err(previews_off());
        }
        self.previews.stop(build_id).await;
        match self.previews.ensure(build_id, owner.id).await {
            Ok(_) => Ok(self.previews.status(build_id).await),
            Err(error) => Err(AppError::Conflict(error.to_string())),
        }
    }
}
