//! The dashboard's summary of one user's work, counted by the database.

use std::collections::HashMap;

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::dashboard::{DashboardSummary, BUILD_STATES, RECENT_ITEMS};
use app::model::projects::BuildRef;
use app::model::specs::SpecQuery;
use app::ports::Overview;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryFutureExt;
use uuid::Uuid;

use crate::builds::repo::BuildRefRow;
use crate::db::schema::{app_specs, builds, projects};
use crate::db::{Connect, DbPool, StoreError, StoreResult};
use crate::specs::repo as specs_repo;

pub struct OverviewService {
    pool: DbPool,
}

impl OverviewService {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    /// Every panel's numbers in one read-only transaction (one consistent
    /// view, one transaction), its queries pipelined on one connection.
    async fn summary(&self, owner_id: Uuid) -> Result<DashboardSummary, StoreError> {
        let mut connection = self.pool.connection().await?;
        let summary = connection
            .build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |connection| summary_of(connection, owner_id).await)
            .await?;
        Ok(summary)
    }
}

async fn summary_of(connection: &AsyncPgConnection, owner_id: Uuid) -> StoreResult<DashboardSummary> {
    let spec_count =
        app_specs::table.filter(app_specs::user_id.eq(owner_id)).count().get_result::<i64>(&mut &*connection);
    let project_count =
        projects::table.filter(projects::user_id.eq(owner_id)).count().get_result::<i64>(&mut &*connection);
    let counted = builds::table
        .filter(builds::user_id.eq(owner_id))
        .group_by(builds::status)
        .select((builds::status, count_star()))
        .load::<(String, i64)>(&mut &*connection);
    let recent = SpecQuery { page_size: Some(RECENT_ITEMS as u32), ..SpecQuery::default() };
    let recent_specs = specs_repo::list(connection, owner_id, &recent);
    let recent_builds = builds::table
        .filter(builds::user_id.eq(owner_id))
        .order(builds::created_at.desc())
        .limit(RECENT_ITEMS)
        .select(BuildRefRow::as_select())
        .load::<BuildRefRow>(&mut &*connection);
    let (spec_count, project_count, counted, (recent_specs, _), recent_builds) = futures_util::try_join!(
        spec_count.err_into(),
        project_count.err_into(),
        counted.err_into(),
        recent_specs,
        recent_builds.err_into()
    )?;
    let counted: HashMap<String, i64> = counted.into_iter().collect();
    let builds_by_status = BUILD_STATES
        .iter()
        .map(|state| (state.to_string(), counted.get(*state).copied().unwrap_or(0)))
        .collect();
    let recent_builds = recent_builds.into_iter().map(BuildRef::from).collect();
    Ok(DashboardSummary { spec_count, project_count, builds_by_status, recent_specs, recent_builds })
}

#[async_trait::async_trait]
impl Overview for OverviewService {
    async fn dashboard(&self, owner: &UserProfile) -> Result<DashboardSummary, AppError> {
        Ok(self.summary(owner.id).await?)
    }
}
