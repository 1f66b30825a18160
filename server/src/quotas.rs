//! How much one account may keep: specs, versions of one spec, the bytes
//! all its specs' versions take, chats, projects, API tokens and webhooks.
//! Generous limits, so a runaway script or an abuser cannot fill the
//! database; each refusal is a 409 that says what to do.

use app::error::AppError;
use app::format::byte_size;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{api_tokens, app_specs, chats, projects, webhooks};
use crate::db::ServiceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub specs: i64,
    pub versions_per_spec: i64,
    /// The names and texts of all the versions of an account's specs.
    pub spec_bytes: i64,
    pub chats: i64,
    pub projects: i64,
    pub api_tokens: i64,
    pub webhooks: i64,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            specs: 1_000,
            versions_per_spec: 1_000,
            // Some ten thousand versions of a long spec (about 25 KiB).
            spec_bytes: 256 * 1024 * 1024,
            chats: 1_000,
            projects: 200,
            api_tokens: 50,
            // Enough for a chat channel, a pager and a script or two.
            webhooks: 10,
        }
    }
}

/// What an account keeps a number of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    Specs,
    Chats,
    Projects,
    ApiTokens,
    Webhooks,
}

impl Kept {
    fn noun(self) -> &'static str {
        match self {
            Kept::Specs => "specs",
            Kept::Chats => "chats",
            Kept::Projects => "projects",
            Kept::ApiTokens => "API tokens",
            Kept::Webhooks => "webhooks",
        }
    }
}

impl Quotas {
    fn limit(&self, kind: Kept) -> i64 {
        match kind {
            Kept::Specs => self.specs,
            Kept::Chats => self.chats,
            Kept::Projects => self.projects,
            Kept::ApiTokens => self.api_tokens,
            Kept::Webhooks => self.webhooks,
        }
    }

    /// Whether one more `kind` fits `owner_id`'s account. Run inside the
    /// transaction that creates it: it locks the owner's count of that kind
    /// until the transaction ends, so creations at once are counted one after
    /// the other and cannot overshoot together.
    pub async fn make_room(
        &self,
        connection: &mut AsyncPgConnection,
        owner_id: Uuid,
        kind: Kept,
    ) -> Result<(), ServiceError> {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<Text, _>(format!("quota {} {owner_id}", kind.noun()))
            .execute(connection)
            .await?;
        let kept: i64 = match kind {
            Kept::Specs => {
                app_specs::table
                    .filter(app_specs::user_id.eq(owner_id))
                    .count()
                    .get_result(connection)
                    .await?
            }
            Kept::Chats => {
                chats::table.filter(chats::user_id.eq(owner_id)).count().get_result(connection).await?
            }
            Kept::Projects => {
                projects::table.filter(projects::user_id.eq(owner_id)).count().get_result(connection).await?
            }
            Kept::ApiTokens => {
                api_tokens::table
                    .filter(api_tokens::user_id.eq(owner_id))
                    .count()
                    .get_result(connection)
                    .await?
            }
            Kept::Webhooks => {
                webhooks::table.filter(webhooks::user_id.eq(owner_id)).count().get_result(connection).await?
            }
        };
        let limit = self.limit(kind);
        if kept >= limit {
            return Err(full(kind, limit).into());
        }
        Ok(())
    }

    /// Locks `owner_id`'s total of spec bytes until the transaction ends.
    /// A change to a spec takes it before the spec's row, as a new spec
    /// takes it before writing one: every writer waits in the same order.
    pub async fn lock_spec_bytes(
        connection: &mut AsyncPgConnection,
        owner_id: Uuid,
    ) -> Result<(), ServiceError> {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<Text, _>(format!("quota spec bytes {owner_id}"))
            .execute(connection)
            .await?;
        Ok(())
    }

    /// Whether `owner_id`'s specs may keep a version of `bytes` more. Run
    /// inside the transaction that keeps it: like [`Quotas::make_room`], it
    /// locks the owner's total until the transaction ends (again, if
    /// [`Quotas::lock_spec_bytes`] did: the lock is the transaction's).
    pub async fn make_room_for_version(
        &self,
        connection: &mut AsyncPgConnection,
        owner_id: Uuid,
        bytes: i64,
    ) -> Result<(), ServiceError> {
        Self::lock_spec_bytes(connection, owner_id).await?;
        // A bigint sum is numeric in PostgreSQL; a thousand specs of a few
        // hundred MiB stay far within bigint.
        let kept: i64 = app_specs::table
            .filter(app_specs::user_id.eq(owner_id))
            .select(sql::<BigInt>("coalesce(sum(stored_bytes), 0)::bigint"))
            .get_result(connection)
            .await?;
        if kept + bytes > self.spec_bytes {
            return Err(AppError::Conflict(format!(
                "Your specs and their versions take {} of the {} one account may keep, and this needs {} \
                 more. Delete specs you no longer need (their versions go with them), then try again.",
                byte_size(kept),
                byte_size(self.spec_bytes),
                byte_size(bytes)
            ))
            .into());
        }
        Ok(())
    }

    /// Whether a spec at `version` may gain another; versions are numbered
    /// from 1 without gaps, so the number is the count.
    pub fn room_for_version(&self, version: i32) -> Result<(), AppError> {
        if i64::from(version) >= self.versions_per_spec {
            return Err(AppError::Conflict(format!(
                "This spec has {} versions, the most one spec may keep. Duplicate it to go on with a fresh \
                 history.",
                self.versions_per_spec
            )));
        }
        Ok(())
    }
}

fn full(kind: Kept, limit: i64) -> AppError {
    AppError::Conflict(format!(
        "You have {limit} {}, the most one account may keep. Delete some you no longer need, then try again.",
        kind.noun()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_may_grow_to_its_quota_of_versions_and_no_further() {
        let quotas = Quotas { versions_per_spec: 3, ..Quotas::default() };
        assert!(quotas.room_for_version(2).is_ok());
        let refused = quotas.room_for_version(3).unwrap_err();
        assert_eq!(refused.status_code(), 409);
        assert!(refused.to_string().contains("3 versions"), "{refused}");
    }
}
