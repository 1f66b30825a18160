//! The projects service: the one implementation behind the project server
//! functions and `/api/projects`, and the one place their rules are kept: a
//! new project comes as a `NewProject`, which only passes its rules, and
//! changes are checked here.

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::projects::{
    project_not_found, validate_project_changes, NewProject, ProjectChanges, ProjectDetail, ProjectSummary,
};
use app::ports::Projects;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::db::{Connect, DbPool, ServiceError};
use crate::projects::repo;
use crate::quotas::{Kept, Quotas};
use crate::specs::repo as specs_repo;

/// How many specs and builds a project page lists.
const LISTED_PER_PROJECT: i64 = 100;

pub struct ProjectService {
    pool: DbPool,
    quotas: Quotas,
}

impl ProjectService {
    pub fn new(pool: DbPool, quotas: Quotas) -> Self {
        Self { pool, quotas }
    }
}

#[async_trait::async_trait]
impl Projects for ProjectService {
    async fn list(&self, owner: &UserProfile) -> Result<Vec<ProjectSummary>, AppError> {
        let mut connection = self.pool.connection().await?;
        Ok(repo::list(&mut connection, owner.id).await?)
    }

    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<ProjectDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        let (name, description, created_at, updated_at) =
            repo::find(&mut connection, owner.id, id).await?.ok_or_else(project_not_found)?;
        let specs = specs_repo::list_in_project(&mut connection, owner.id, id, LISTED_PER_PROJECT).await?;
        let builds = repo::builds_in_project(&mut connection, owner.id, id, LISTED_PER_PROJECT).await?;
        Ok(ProjectDetail { id, name, description, specs, builds, created_at, updated_at })
    }

    async fn create(&self, owner: &UserProfile, project: NewProject) -> Result<ProjectDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        let quotas = self.quotas;
        let id = connection
            .transaction(async |connection| {
                quotas.make_room(connection, owner.id, Kept::Projects).await?;
                let id = repo::insert(connection, owner.id, project.name(), project.description()).await?;
                Ok::<_, ServiceError>(id)
            })
            .await?;
        drop(connection);
        self.get(owner, id).await
    }

    async fn update(
        &self,
        owner: &UserProfile,
        id: Uuid,
        changes: ProjectChanges,
    ) -> Result<ProjectDetail, AppError> {
        let changes = validate_project_changes(changes)?;
        let mut connection = self.pool.connection().await?;
        let is_found = repo::update(
            &mut connection,
            owner.id,
            id,
            changes.name.as_deref(),
            changes.description.as_deref(),
        )
        .await?;
        drop(connection);
        if !is_found {
            return Err(project_not_found());
        }
        self.get(owner, id).await
    }

    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError> {
        let mut connection = self.pool.connection().await?;
        if repo::delete(&mut connection, owner.id, id).await? {
            Ok(())
        } else {
            Err(project_not_found())
        }
    }
}
