//! The specs service: the one implementation behind the spec server functions
//! and `/api/specs`, and the one place their rules are kept: a new spec comes
//! as a `NewSpec`, which only passes its rules, and changes are checked here.

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::chats::chat_not_found;
use app::model::projects::project_not_found;
use app::model::specs::{
    spec_not_found, validate_spec_changes, version_not_found, NewSpec, Page, SpecChanges, SpecDetail,
    SpecDiff, SpecQuery, SpecSummary, SpecVersion, SpecVersionSummary, MAX_SPEC_NAME_CHARS,
};
use app::ports::Specs;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::db::{Connect, DbPool, ServiceError, StoreError};
use crate::quotas::{Kept, Quotas};
use crate::specs::diff::compare;
use crate::specs::repo::{self, SpecRecord};

pub struct SpecService {
    pool: DbPool,
    /// How many specs an account, and versions a spec, may keep.
    quotas: Quotas,
}

impl SpecService {
    pub fn new(pool: DbPool, quotas: Quotas) -> Self {
        Self { pool, quotas }
    }
}

/// What a failed write means to a person: a project link that names no
/// project of theirs (the foreign key includes the owner) is "no such
/// project"; a chat deleted while its spec was being saved, "no such chat".
fn write_error(error: ServiceError) -> AppError {
    if let ServiceError::Store(StoreError::Query(DieselError::DatabaseError(
        DatabaseErrorKind::ForeignKeyViolation,
        info,
    ))) = &error
    {
        match info.constraint_name() {
            Some(PROJECT_LINK) => return project_not_found(),
            Some(CHAT_LINK) => return chat_not_found(),
            _ => {}
        }
    }
    error.into()
}

/// The foreign keys of a spec (migrations 000001 and 000003).
const PROJECT_LINK: &str = "app_specs_project_owner_fkey";
const CHAT_LINK: &str = "app_specs_chat_id_fkey";

/// A save made on an older version than the spec's: the other save stays.
fn changed_since(base: i32, version: i32) -> AppError {
    AppError::Conflict(format!(
        "This spec was saved elsewhere after you opened it: it is at version {version}, and your changes \
         were made on version {base}. Nothing was saved. Copy your text, reload the page, and apply it again."
    ))
}

/// Keeps a version of the owner's spec, if their specs have room for it:
/// every version, the first included, is written here.
async fn keep_version(
    quotas: Quotas,
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    spec_id: Uuid,
    version: i32,
    name: &str,
    content: &str,
) -> Result<(), ServiceError> {
    quotas.make_room_for_version(connection, owner_id, repo::version_bytes(name, content)).await?;
    Ok(repo::insert_version(connection, spec_id, version, name, content).await?)
}

/// "Copy of …", shortened to fit the name limit.
fn copy_name(name: &str) -> String {
    let copy: String = format!("Copy of {name}").chars().take(MAX_SPEC_NAME_CHARS).collect();
    copy.trim_end().to_owned()
}

impl SpecService {
    async fn detail(&self, owner_id: Uuid, id: Uuid) -> Result<SpecDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        repo::find(&mut connection, owner_id, id).await?.ok_or_else(spec_not_found)
    }

    async fn insert(&self, owner_id: Uuid, spec: SpecRecord<'_>) -> Result<SpecDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        let quotas = self.quotas;
        let id = connection
            .transaction(async |connection| {
                quotas.make_room(connection, owner_id, Kept::Specs).await?;
                let (name, content) = (spec.name, spec.content);
                let id = repo::insert(connection, owner_id, spec).await?;
                keep_version(quotas, connection, owner_id, id, 1, name, content).await?;
                Ok::<_, ServiceError>(id)
            })
            .await
            .map_err(write_error)?;
        drop(connection);
        self.detail(owner_id, id).await
    }
}

#[async_trait::async_trait]
impl Specs for SpecService {
    async fn list(&self, owner: &UserProfile, query: SpecQuery) -> Result<Page<SpecSummary>, AppError> {
        let connection = self.pool.connection().await?;
        let (items, total) = repo::list(&connection, owner.id, &query).await?;
        Ok(Page { items, total, page: query.page(), page_size: query.page_size() })
    }

    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<SpecDetail, AppError> {
        self.detail(owner.id, id).await
    }

    async fn create(&self, owner: &UserProfile, spec: NewSpec) -> Result<SpecDetail, AppError> {
        let record = SpecRecord {
            name: spec.name(),
            content: spec.content(),
            project_id: spec.project_id(),
            chat_id: spec.chat_id(),
        };
        self.insert(owner.id, record).await
    }

    async fn update(
        &self,
        owner: &UserProfile,
        id: Uuid,
        changes: SpecChanges,
    ) -> Result<SpecDetail, AppError> {
        let changes = validate_spec_changes(changes)?;
        let mut connection = self.pool.connection().await?;
        connection
            .transaction(async |connection| {
                Quotas::lock_spec_bytes(connection, owner.id).await?;
                let (name, content, version, project_id) =
                    repo::lock_current(connection, owner.id, id).await?.ok_or_else(spec_not_found)?;
                if let Some(base) = changes.base_version.filter(|base| *base != version) {
                    return Err(changed_since(base, version).into());
                }
                let new_name = changes.name.clone().unwrap_or_else(|| name.clone());
                let new_content = changes.content.clone().unwrap_or_else(|| content.clone());
                let new_project = changes.project_id.unwrap_or(project_id);
                // Only a change of text is a new version; saving unchanged text is not.
                let is_new_version = new_name != name || new_content != content;
                let new_version = if is_new_version { version + 1 } else { version };
                if is_new_version {
                    self.quotas.room_for_version(version)?;
                    keep_version(self.quotas, connection, owner.id, id, new_version, &new_name, &new_content)
                        .await?;
                } else if new_project == project_id {
                    // Nothing changes, so nothing moves it up the recent lists.
                    return Ok(());
                }
                repo::update_current(
                    connection,
                    owner.id,
                    id,
                    &new_name,
                    &new_content,
                    new_version,
                    new_project,
                )
                .await?;
                Ok::<_, ServiceError>(())
            })
            .await
            .map_err(write_error)?;
        drop(connection);
        self.detail(owner.id, id).await
    }

    async fn duplicate(&self, owner: &UserProfile, id: Uuid) -> Result<SpecDetail, AppError> {
        let original = self.detail(owner.id, id).await?;
        let name = copy_name(&original.name);
        let record = SpecRecord {
            name: &name,
            content: &original.content,
            project_id: original.project.as_ref().map(|project| project.id),
            chat_id: original.chat_id,
        };
        self.insert(owner.id, record).await
    }

    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError> {
        let mut connection = self.pool.connection().await?;
        if repo::delete(&mut connection, owner.id, id).await? {
            Ok(())
        } else {
            Err(spec_not_found())
        }
    }

    async fn versions(&self, owner: &UserProfile, id: Uuid) -> Result<Vec<SpecVersionSummary>, AppError> {
        let mut connection = self.pool.connection().await?;
        repo::versions(&mut connection, owner.id, id).await?.ok_or_else(spec_not_found)
    }

    async fn version(&self, owner: &UserProfile, id: Uuid, version: i32) -> Result<SpecVersion, AppError> {
        let mut connection = self.pool.connection().await?;
        repo::version(&mut connection, owner.id, id, version).await?.ok_or_else(|| version_not_found(version))
    }

    async fn diff(&self, owner: &UserProfile, id: Uuid, from: i32, to: i32) -> Result<SpecDiff, AppError> {
        let mut connection = self.pool.connection().await?;
        let older = repo::version(&mut connection, owner.id, id, from)
            .await?
            .ok_or_else(|| version_not_found(from))?;
        let newer =
            repo::version(&mut connection, owner.id, id, to).await?.ok_or_else(|| version_not_found(to))?;
        drop(connection);
        // Comparing two large texts is CPU work: keep it off the async runtime.
        let comparison = tokio::task::spawn_blocking(move || compare(&older.content, &newer.content))
            .await
            .map_err(|error| {
            tracing::error!(%error, "comparing spec versions failed");
            AppError::Internal
        })?;
        Ok(SpecDiff {
            from_version: from,
            to_version: to,
            added: comparison.added,
            removed: comparison.removed,
            lines: comparison.lines,
            lines_left_out: comparison.lines_left_out,
        })
    }

    async fn restore(&self, owner: &UserProfile, id: Uuid, version: i32) -> Result<SpecDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        let old = repo::version(&mut connection, owner.id, id, version)
            .await?
            .ok_or_else(|| version_not_found(version))?;
        drop(connection);
        let changes =
            SpecChanges { name: Some(old.name), content: Some(old.content), ..SpecChanges::default() };
        self.update(owner, id, changes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_named_after_the_original_within_the_limit() {
        assert_eq!(copy_name("Todo app"), "Copy of Todo app");
        assert_eq!(copy_name(&"x".repeat(200)).chars().count(), 200);
    }
}
