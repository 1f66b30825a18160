//! The builds service: the one implementation behind the build server
//! functions and `/api/builds`. A person's changes of state (start, cancel,
//! pause, resume) are written with their status event in one transaction,
//! then reach the process running the build at once.

use std::sync::Arc;

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::build_log::LogPage;
use app::model::build_view::BuildPage;
use app::model::builds::{
    build_not_found, BuildControl, BuildDetail, BuildEvent, BuildQuery, BuildStatus, BuildSummary,
    MAX_ACTIVE_BUILDS_PER_USER, MAX_LOG_PAGE, MAX_LOG_PAGE_BYTES,
};
use app::model::specs::Page;
use app::ports::{Builds, Specs};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::builds::artifacts::repo as artifact_repo;
use crate::builds::artifacts::ArtifactService;
use crate::builds::control::RunningBuilds;
use crate::builds::events;
use crate::builds::hub::EventHub;
use crate::builds::repo::{self, BuildRow, NewBuild};
use crate::builds::viewer::BuildViewer;
use crate::db::{Connect, DbPool, ServiceError};
use crate::llm::prices::ModelPrices;
use crate::llm::ProviderInfo;
use crate::rate_limits::{self, Bucket, Decision, Quota};

/// What builds may spend: tokens per build and builds started per user an
/// hour; and what tokens cost, for a build's detail.
pub struct Spending {
    pub token_budget: u64,
    pub starts_per_user: Quota,
    pub prices: ModelPrices,
}

impl Spending {
    fn detail_of(&self, row: BuildRow) -> BuildDetail {
        let cost = self.prices.cost_micro_usd(&row.provider, &row.model, row.input_tokens, row.output_tokens);
        row.into_detail(i64::try_from(self.token_budget).unwrap_or(i64::MAX), cost)
    }
}

pub struct BuildService {
    pool: DbPool,
    specs: Arc<dyn Specs>,
    hub: Arc<EventHub>,
    running: Arc<RunningBuilds>,
    /// The model builds talk to, recorded on each build.
    agent: ProviderInfo,
    artifacts: Arc<ArtifactService>,
    spending: Spending,
}

fn too_many_active() -> AppError {
    AppError::TooManyRequests {
        message: format!(
            "You already have {MAX_ACTIVE_BUILDS_PER_USER} builds running, queued or waiting to resume. Wait \
             for one to finish, or cancel or pause one, then try again."
        ),
        retry_after_secs: 60,
    }
}

fn too_many_started(decision: &Decision) -> AppError {
    let wait = decision.retry_after_secs();
    AppError::TooManyRequests {
        message: format!(
            "You have started {} builds in the last hour, the most allowed. You can start another in {}.",
            decision.limit,
            format_wait(wait)
        ),
        retry_after_secs: wait,
    }
}

/// Minutes once it is more than a minute, rounded up so it is never too short.
fn format_wait(secs: u64) -> String {
    match secs {
        0..=1 => "a second".to_owned(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// Why a build in `status` may not be controlled so, or `None` when it may.
fn refusal(control: BuildControl, status: BuildStatus) -> Option<AppError> {
    let verb = match control {
        BuildControl::Cancel => "cancelled",
        BuildControl::Pause => "paused",
        BuildControl::Resume => "resumed",
    };
    (!status.allows(control)).then(|| {
        AppError::Conflict(format!("This build is {} and cannot be {verb}.", status.label().to_lowercase()))
    })
}

impl BuildService {
    pub fn new(
        pool: DbPool,
        specs: Arc<dyn Specs>,
        hub: Arc<EventHub>,
        running: Arc<RunningBuilds>,
        agent: ProviderInfo,
        artifacts: Arc<ArtifactService>,
        spending: Spending,
    ) -> Self {
        Self { pool, specs, hub, running, agent, artifacts, spending }
    }

    /// Follows the owner's build (404 for anyone else's) from just after the
    /// event numbered `after` (0: from the start).
    pub async fn follow(&self, owner: &UserProfile, id: Uuid, after: i64) -> Result<BuildViewer, AppError> {
        self.owned(owner, id).await?;
        Ok(BuildViewer::new(self.pool.clone(), &self.hub, id, after))
    }

    /// The owner's build, or 404.
    async fn owned(&self, owner: &UserProfile, id: Uuid) -> Result<BuildRow, AppError> {
        let mut connection = self.pool.connection().await?;
        repo::find(&mut connection, owner.id, id).await?.ok_or_else(build_not_found)
    }

    async fn get_detail(
        &self,
        connection: &mut AsyncPgConnection,
        owner_id: Uuid,
        id: Uuid,
    ) -> Result<BuildDetail, AppError> {
        repo::find(connection, owner_id, id)
            .await?
            .map(|row| self.spending.detail_of(row))
            .ok_or_else(build_not_found)
    }
}

#[async_trait::async_trait]
impl Builds for BuildService {
    async fn list(&self, owner: &UserProfile, query: BuildQuery) -> Result<Page<BuildSummary>, AppError> {
        let connection = self.pool.connection().await?;
        let (rows, total) = repo::list(&connection, owner.id, &query).await?;
        Ok(Page {
            items: rows.into_iter().map(BuildRow::into_summary).collect(),
            total,
            page: query.page(),
            page_size: query.page_size(),
        })
    }

    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<BuildDetail, AppError> {
        Ok(self.spending.detail_of(self.owned(owner, id).await?))
    }

    async fn get_page(&self, owner: &UserProfile, id: Uuid) -> Result<BuildPage, AppError> {
        let detail = self.spending.detail_of(self.owned(owner, id).await?);
        let mut connection = self.pool.connection().await?;
        let view = repo::fold_state(&mut connection, id).await?;
        Ok(BuildPage { detail, view })
    }

    async fn start(&self, owner: &UserProfile, spec_id: Uuid) -> Result<BuildDetail, AppError> {
        let spec = self.specs.get(owner, spec_id).await?;
        if spec.content.trim().is_empty() {
            return Err(AppError::Invalid(
                "This spec is empty. Write what the app should do, then build it.".into(),
            ));
        }
        let mut connection = self.pool.connection().await?;
        let owner_id = owner.id;
        let agent = &self.agent;
        let starts_per_user = self.spending.starts_per_user;
        let (id, stored) = connection
            .transaction(async |connection| {
                repo::lock_owner(connection, owner_id).await?;
                if repo::count_active(connection, owner_id, None).await? >= MAX_ACTIVE_BUILDS_PER_USER {
                    return Err(too_many_active().into());
                }
                // Taken in this transaction: a start that fails later gives it back.
                let decision =
                    rate_limits::take(connection, Bucket::BuildsStartedBy(owner_id), starts_per_user).await?;
                if !decision.is_allowed {
                    return Err(too_many_started(&decision).into());
                }
                let id = repo::insert(
                    connection,
                    NewBuild {
                        owner_id,
                        spec_id,
                        project_id: spec.project.as_ref().map(|project| project.id),
                        spec_name: &spec.name,
                        spec_content: &spec.content,
                        provider: agent.kind.label(),
                        model: &agent.model,
                    },
                )
                .await?;
                let now = Utc::now();
                let queued = [
                    (now, BuildEvent::Status { status: BuildStatus::Queued, reason: None }),
                    (now, BuildEvent::system_log(format!("Queued a build of \"{}\".", spec.name))),
                ];
                let stored = repo::append_events(connection, id, &queued).await?;
                repo::notify_control(connection, None).await?;
                Ok::<_, ServiceError>((id, stored))
            })
            .await?;
        events::publish(&self.hub, id, stored);
        self.hub.announce_queued();
        self.get_detail(&mut connection, owner_id, id).await
    }

    async fn control(
        &self,
        owner: &UserProfile,
        id: Uuid,
        control: BuildControl,
    ) -> Result<BuildDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        let owner_id = owner.id;
        let outcome = connection
            .transaction(async |connection| {
                if control == BuildControl::Resume {
                    repo::lock_owner(connection, owner_id).await?;
                }
                let Some(build) = repo::find_for_update(connection, owner_id, id).await? else {
                    return Err(build_not_found().into());
                };
                if let Some(refusal) = refusal(control, build.status()) {
                    return Err(refusal.into());
                }
                let (status, reason) = match control {
                    BuildControl::Cancel => {
                        repo::set_status(connection, id, BuildStatus::Cancelled, Some("Cancelled by you."))
                            .await?;
                        if build.started_at.is_some() {
                            // Its work so far is archived once the run lets go of it.
                            artifact_repo::mark_pending(connection, id).await?;
                        }
                        (BuildStatus::Cancelled, Some("Cancelled by you."))
                    }
                    BuildControl::Pause => {
                        let reason = "Paused by you. Resume to continue where it stopped.";
                        repo::set_status(connection, id, BuildStatus::Paused, Some(reason)).await?;
                        (BuildStatus::Paused, Some(reason))
                    }
                    BuildControl::Resume => {
                        if repo::count_active(connection, owner_id, Some(id)).await?
                            >= MAX_ACTIVE_BUILDS_PER_USER
                        {
                            return Err(too_many_active().into());
                        }
                        repo::requeue_with_fresh_limits(connection, id).await?;
                        (BuildStatus::Queued, None)
                    }
                };
                let event = BuildEvent::Status { status, reason: reason.map(str::to_owned) };
                let stored = repo::append_events(connection, id, &[(Utc::now(), event)]).await?;
                let wake = if control == BuildControl::Resume { None } else { Some(id) };
                repo::notify_control(connection, wake).await?;
                Ok::<_, ServiceError>(stored)
            })
            .await?;
        events::publish(&self.hub, id, outcome);
        match control {
            BuildControl::Resume => self.hub.announce_queued(),
            BuildControl::Cancel => {
                self.running.check(id);
                self.artifacts.wake_archiver();
            }
            BuildControl::Pause => self.running.check(id),
        }
        self.get_detail(&mut connection, owner_id, id).await
    }

    async fn logs(&self, owner: &UserProfile, id: Uuid, after: i64, limit: u32) -> Result<LogPage, AppError> {
        self.owned(owner, id).await?;
        let limit = i64::from(limit.clamp(1, MAX_LOG_PAGE));
        let mut connection = self.pool.connection().await?;
        let (mut lines, bytes_ran_out) =
            repo::log_lines_after(&mut connection, id, after.max(0), limit + 1, MAX_LOG_PAGE_BYTES).await?;
        let has_more = bytes_ran_out || lines.len() as i64 > limit;
        lines.truncate(limit as usize);
        let next_after = if has_more { lines.last().map(|line| line.seq) } else { None };
        Ok(LogPage { lines, next_after })
    }

    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError> {
        let build = self.owned(owner, id).await?;
        let status = build.status();
        if !status.is_final() {
            return Err(AppError::Conflict(format!(
                "This build is {}; cancel it before deleting it.",
                status.label().to_lowercase()
            )));
        }
        // Objects first: if storage is down, the build stays and the person can retry.
        self.artifacts.forget(id).await?;
        let mut connection = self.pool.connection().await?;
        repo::delete(&mut connection, owner.id, id).await?;
        Ok(())
    }
}
