//! Runs one claimed build: keeps its lease, prepares (or reopens) its
//! sandbox, runs agent sessions until every feature passes or something
//! stops it, and records how the run ended. A run stopped by a cancel, a
//! pause or a shutdown ends quietly; the next run resumes from the work
//! directory and the feature list. After each session the work directory
//! is checkpointed into object storage, and a run that finds no work
//! directory on this machine restores the latest checkpoint.

use std::sync::Arc;
use std::time::Duration;

use app::model::builds::{BuildEvent, BuildPhase, BuildStatus, Severity};
use app::model::webhooks::BUDGET_WARNING_PERCENT;
use chrono::Utc;
use diesel_async::AsyncConnection;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::builds::artifacts::repo as artifact_repo;
use crate::builds::build_metrics::BuildMetrics;
use crate::builds::checkpoints::Checkpoints;
use crate::builds::control::RunningBuilds;
use crate::builds::events::{self, EventSink};
use crate::builds::harness::{prompts, Session, SessionEnd, SessionLimits, SessionReport};
use crate::builds::hub::EventHub;
use crate::builds::repo::{self, BuildRow, ClaimedBuild, SessionTally};
use crate::builds::settings::BuildSettings;
use crate::db::{DbPool, StoreError};
use crate::llm::retry::LONGEST_PROVIDER_WAIT;
use crate::llm::LlmProvider;
use crate::sandbox::{Sandbox, SandboxEngine, SandboxError};
use agent_protocol::feature_list::{next_failing, parse_feature_list, passing_count, Feature};
use agent_protocol::harness::FEATURE_LIST_FILE;

use self::lease::WorkingTime;

mod lease;
mod work_directory;

/// What every run of this process shares.
pub struct RunnerContext {
    pub pool: DbPool,
    pub hub: Arc<EventHub>,
    pub running: Arc<RunningBuilds>,
    pub engine: Arc<dyn SandboxEngine>,
    pub provider: Arc<dyn LlmProvider>,
    /// Where work directories are saved between sessions, for any process to resume from.
    pub checkpoints: Checkpoints,
    pub settings: BuildSettings,
    /// This process's id in leases.
    pub worker_id: Uuid,
    /// Cancelled when the server stops.
    pub shutdown: CancellationToken,
    /// Wakes this process's archiver once a build here has ended.
    pub archive_wake: Arc<tokio::sync::Notify>,
    pub metrics: BuildMetrics,
}

/// How a run ended.
#[derive(Debug, PartialEq)]
enum RunEnd {
    Completed,
    Failed(String),
    Paused {
        reason: String,
        resume_at: Option<chrono::DateTime<Utc>>,
    },
    /// A person cancelled or paused it, the lease was lost, or the server is
    /// stopping: nothing to record here.
    Stopped,
}

pub async fn run_build(context: Arc<RunnerContext>, claimed: ClaimedBuild) {
    let build_id = claimed.build.id;
    let (sink, writer) = events::spawn_writer(
        context.pool.clone(),
        context.hub.clone(),
        build_id,
        context.settings.event_limits(),
        context.shutdown.clone(),
        context.metrics.clone(),
    );
    let stop = context.shutdown.child_token();
    let (wake, registration) = context.running.register(build_id);
    let working = WorkingTime::counting_from(claimed.build.active_secs);
    let lease_keeper =
        tokio::spawn(lease::keep_lease(context.clone(), build_id, wake, stop.clone(), working));

    let end = Run {
        context: &context,
        build: claimed.build,
        events: &sink,
        stop: &stop,
        counted_until: working.started,
        planned: false,
    }
    .drive(claimed.was_started, claimed.was_orphaned)
    .await;
    stop.cancel();
    let _ = lease_keeper.await;
    sink.flush().await;
    if let Err(error) = record_end(&context, build_id, end, working.total_secs()).await {
        tracing::error!(%build_id, %error, "could not record how a build run ended; its lease will run out and it will resume");
    }
    drop(sink);
    let _ = writer.await;
    // Only now may this process claim the build again: its events are all
    // written and its end recorded.
    drop(registration);
}

async fn record_end(
    context: &RunnerContext,
    build_id: Uuid,
    end: RunEnd,
    active_secs: i64,
) -> Result<(), StoreError> {
    let worker = context.worker_id;
    let mut connection = context.pool.get().await?;
    let (status, reason, resume_at) = match end {
        RunEnd::Completed => (BuildStatus::Completed, None, None),
        RunEnd::Failed(reason) => (BuildStatus::Failed, Some(reason), None),
        RunEnd::Paused { reason, resume_at } => (BuildStatus::Paused, Some(reason), resume_at),
        RunEnd::Stopped => {
            // Stopping with the server: the build goes on elsewhere or after the restart.
            let is_shutdown = context.shutdown.is_cancelled();
            connection
                .transaction(async |connection| {
                    repo::record_working_time(connection, build_id, worker, active_secs).await?;
                    repo::release_lease(connection, build_id, worker, is_shutdown).await
                })
                .await?;
            // A cancel marked its work for archiving; it may go now that the run let go.
            context.archive_wake.notify_one();
            return Ok(());
        }
    };
    // Only work that is here can be archived: a build that failed for want
    // of its work directory has none, and its archive would wait for ever.
    let has_work = status.is_final() && !matches!(context.engine.open(build_id).await, Ok(None));
    let stored = connection
        .transaction(async |connection| {
            repo::record_working_time(connection, build_id, worker, active_secs).await?;
            if !repo::finish_run(connection, build_id, worker, status, reason.as_deref(), resume_at).await? {
                // A person paused or cancelled it meanwhile: their choice
                // stands, and the lease goes now (a cancel's archiving and
                // a resume wait for it), not when it runs out.
                repo::release_lease(connection, build_id, worker, false).await?;
                return Ok::<_, StoreError>(Vec::new());
            }
            if has_work {
                artifact_repo::mark_pending(connection, build_id).await?;
            }
            let event = BuildEvent::Status { status, reason: reason.clone() };
            repo::append_events(connection, build_id, &[(Utc::now(), event)]).await
        })
        .await?;
    events::publish(&context.hub, build_id, stored);
    context.archive_wake.notify_one();
    Ok(())
}

/// What a session left of the feature list, as the runner judged it.
struct SessionOutcome {
    passing: i32,
    total: i32,
    /// A feature newly passes, or the initializer finished a readable list.
    made_progress: bool,
    /// For an initializer, whether it finished the plan.
    plan: Option<bool>,
}

struct Run<'a> {
    context: &'a RunnerContext,
    /// The build as of the claim, with the sessions of this run added.
    build: BuildRow,
    events: &'a EventSink,
    stop: &'a CancellationToken,
    /// Work up to this moment is in `build.active_secs`.
    counted_until: tokio::time::Instant,
    /// The work directory holds a finished plan: coding sessions may follow.
    planned: bool,
}

impl Run<'_> {
    async fn drive(mut self, was_started: bool, was_orphaned: bool) -> RunEnd {
        let build_id = self.build.id;
        let worker = self.context.worker_id;
        let opening = if was_orphaned {
            format!(
                "Resuming: the process running this build stopped; a new session continues from the work \
                 directory (worker {worker})."
            )
        } else if was_started {
            format!("Resuming from the work directory and the feature list (worker {worker}).")
        } else {
            format!("Build started (worker {worker}).")
        };
        self.events.emit(BuildEvent::Status { status: BuildStatus::Running, reason: None }).await;
        self.events.emit(BuildEvent::system_log(opening)).await;
        if let Some(warning) = self.context.engine.warning() {
            self.events
                .emit(BuildEvent::Error { severity: Severity::Warning, message: warning, recovered: true })
                .await;
        }
        self.events
            .emit(BuildEvent::Phase { phase: BuildPhase::Preparing, session: self.build.sessions })
            .await;

        let (sandbox, work_session) = match self.prepare_sandbox(was_started).await {
            Ok(prepared) => prepared,
            Err(end) => return end,
        };
        self.planned = match self.build.planned_in_session {
            // A checkpoint from before the plan was finished holds no plan.
            Some(planned) => planned <= work_session,
            // Planned by a server from before the record was kept, if a feature passes.
            None => self.build.features_passing > 0,
        };
        loop {
            if self.stop.is_cancelled() {
                return RunEnd::Stopped;
            }
            if let Some(reason) = self.limit_reached() {
                return RunEnd::Paused { reason, resume_at: None };
            }
            let features = match sandbox.read_file(FEATURE_LIST_FILE).await {
                Ok(bytes) => Some(parse_feature_list(&bytes)),
                Err(SandboxError::NotFound(_)) => None,
                Err(error) => return RunEnd::Failed(format!("The sandbox could not be read: {error}")),
            };
            let end = match features {
                // A feature list alone is not a plan: an unfinished initializer may have written it first.
                Some(Ok(features)) if self.planned => {
                    let Some((index, feature)) = next_failing(&features) else {
                        self.finish(&features).await;
                        return RunEnd::Completed;
                    };
                    let feature = feature.clone();
                    self.coding_session(sandbox.as_ref(), &features, index, &feature).await
                }
                Some(Err(problem)) if self.build.sessions > 0 => {
                    self.events
                        .emit(BuildEvent::Error {
                            severity: Severity::Error,
                            message: problem,
                            recovered: true,
                        })
                        .await;
                    self.initializer_session(sandbox.as_ref()).await
                }
                _ => self.initializer_session(sandbox.as_ref()).await,
            };
            // A stopped session may have lost its lease to another worker,
            // whose checkpoints this one must not overwrite.
            if !matches!(end, Some(RunEnd::Stopped)) {
                self.checkpoint(sandbox.as_ref()).await;
            }
            if let Some(end) = end {
                return end;
            }
            tracing::debug!(%build_id, sessions = self.build.sessions, "session done");
        }
    }

    /// Says so once when this session took the build past 80 % of its
    /// token budget (a resumed build's new budget counts afresh).
    async fn warn_of_the_budget(&self, used_before: i64) {
        let budget = self.context.settings.token_budget as i64;
        let threshold = budget.saturating_mul(BUDGET_WARNING_PERCENT as i64) / 100;
        let used = self.build.tokens() - self.build.limits_from_tokens;
        if used_before < threshold && used >= threshold {
            self.events.emit(BuildEvent::BudgetWarning { used_tokens: used, budget_tokens: budget }).await;
        }
    }

    /// Why the build must pause before another session, if it must.
    fn limit_reached(&self) -> Option<String> {
        let settings = &self.context.settings;
        let build = &self.build;
        let sessions = build.sessions - build.limits_from_sessions;
        if sessions >= settings.max_sessions as i32 {
            return Some(format!(
                "The build ran {sessions} agent sessions, its limit. Resume it to allow as many more."
            ));
        }
        let tokens = build.tokens() - build.limits_from_tokens;
        if tokens >= settings.token_budget as i64 {
            return Some(format!(
                "The build used {tokens} tokens, reaching its budget of {}. Resume it to grant another budget.",
                settings.token_budget
            ));
        }
        // Less than a second left would only start a session to cut it off.
        if self.working_time_left() < Duration::from_secs(1) {
            return Some(format!(
                "The agent worked for {} minutes, the build's limit. Resume it to allow as long again.",
                settings.max_active_time.as_secs() / 60
            ));
        }
        if build.stalled_sessions >= settings.max_stalled_sessions as i32 {
            return Some(format!(
                "{} sessions in a row ended without a newly passing feature. Look at the log, adjust the spec \
                 if needed, and resume.",
                build.stalled_sessions
            ));
        }
        None
    }

    async fn initializer_session(&mut self, sandbox: &dyn Sandbox) -> Option<RunEnd> {
        let session = self.build.sessions + 1;
        // An earlier session left work behind: this one picks it up rather than starting over.
        let again = self.build.sessions > 0;
        self.events.emit(BuildEvent::Phase { phase: BuildPhase::Initializing, session }).await;
        let line = if again {
            format!("Session {session}: planning the features again, from what the earlier sessions left.")
        } else {
            format!("Session {session}: planning the features.")
        };
        self.events.emit(BuildEvent::system_log(line)).await;
        let report = self.run_session(sandbox, prompts::initializer_prompt(again)).await;
        let features = match sandbox.read_file(FEATURE_LIST_FILE).await {
            Ok(bytes) => parse_feature_list(&bytes).ok(),
            Err(_) => None,
        };
        let (passing, total) = features
            .as_ref()
            .map(|features| (passing_count(features) as i32, features.len() as i32))
            .unwrap_or((0, 0));
        if let Some(features) = &features {
            self.events
                .emit(BuildEvent::system_log(format!("The agent planned {} features.", features.len())))
                .await;
        } else if !matches!(report.end, SessionEnd::Stopped) {
            self.events
                .emit(BuildEvent::Error {
                    severity: Severity::Error,
                    message: "The initializer session ended without a readable feature_list.json.".into(),
                    recovered: true,
                })
                .await;
        }
        // Only an agent that said it was done has finished the plan; planning again and again
        // without finishing counts towards the stall limit.
        let finished_planning = features.is_some() && matches!(report.end, SessionEnd::Finished);
        let outcome = SessionOutcome {
            passing,
            total,
            made_progress: finished_planning,
            plan: Some(finished_planning),
        };
        self.after_session(report, outcome).await
    }

    async fn coding_session(
        &mut self,
        sandbox: &dyn Sandbox,
        before: &[Feature],
        index: usize,
        feature: &Feature,
    ) -> Option<RunEnd> {
        let session = self.build.sessions + 1;
        self.events.emit(BuildEvent::Phase { phase: BuildPhase::Coding, session }).await;
        self.events
            .emit(BuildEvent::FeatureStart {
                index: index as i32,
                description: feature.description.clone(),
                category: feature.category.clone(),
            })
            .await;
        let report = self.run_session(sandbox, prompts::coding_prompt(index, feature)).await;
        let after = match sandbox.read_file(FEATURE_LIST_FILE).await {
            Ok(bytes) => parse_feature_list(&bytes).unwrap_or_else(|_| before.to_vec()),
            Err(_) => before.to_vec(),
        };
        let passed = after.get(index).is_some_and(|feature| feature.passes);
        let (tests_passed, tests_failed) = report.last_tests.unwrap_or((0, 0));
        if !matches!(report.end, SessionEnd::Stopped) {
            self.events
                .emit(BuildEvent::FeatureEnd {
                    index: index as i32,
                    description: feature.description.clone(),
                    passed,
                    tests_passed,
                    tests_failed,
                })
                .await;
        }
        let (passing_before, passing_after) = (passing_count(before), passing_count(&after));
        let outcome = SessionOutcome {
            passing: passing_after as i32,
            total: after.len() as i32,
            made_progress: passing_after > passing_before,
            plan: None,
        };
        self.after_session(report, outcome).await
    }

    /// Runs a session that `opening` starts, cut short when the build's
    /// working time runs out (a session of many long commands would
    /// otherwise run hours past it before the next check between sessions).
    async fn run_session(&self, sandbox: &dyn Sandbox, opening: String) -> SessionReport {
        let time_up = self.stop.child_token();
        let session = self.session(sandbox, &time_up);
        let run = session.run(opening);
        tokio::pin!(run);
        let mut report = tokio::select! {
            report = &mut run => return report,
            _ = tokio::time::sleep(self.working_time_left()) => {
                time_up.cancel();
                run.await
            }
        };
        if matches!(report.end, SessionEnd::Stopped) && !self.stop.is_cancelled() {
            report.end = SessionEnd::TimeLimit;
        }
        report
    }

    /// What is left of the build's working time, counting the time since
    /// the last session was recorded.
    fn working_time_left(&self) -> Duration {
        let recorded = (self.build.active_secs - self.build.limits_from_secs).max(0) as u64;
        self.context
            .settings
            .max_active_time
            .saturating_sub(Duration::from_secs(recorded))
            .saturating_sub(self.counted_until.elapsed())
    }

    fn session<'s>(&'s self, sandbox: &'s dyn Sandbox, stop: &'s CancellationToken) -> Session<'s> {
        let settings = &self.context.settings;
        let used = (self.build.tokens() - self.build.limits_from_tokens).max(0) as u64;
        Session {
            sandbox,
            provider: &self.context.provider,
            events: self.events,
            stop,
            metrics: &self.context.metrics,
            limits: SessionLimits {
                max_turns: settings.max_turns_per_session,
                max_tokens: settings.max_tokens,
                loop_repeats: settings.loop_repeats,
                tool_result_chars: settings.tool_result_chars,
            },
            tokens_left: settings.token_budget.saturating_sub(used),
        }
    }

    /// Records the session and decides whether the run goes on.
    async fn after_session(&mut self, report: SessionReport, outcome: SessionOutcome) -> Option<RunEnd> {
        let SessionOutcome { passing, total, made_progress, plan } = outcome;
        // Time since the last session was recorded: each second counts once.
        let worked = self.counted_until.elapsed().as_secs() as i64;
        self.counted_until += Duration::from_secs(worked as u64);
        self.context.metrics.count_tokens(report.usage);
        let tally = SessionTally { features_passing: passing, features_total: total, made_progress, plan };
        let recorded = self.record_session_patiently(tally, &report.model).await;
        // The writer added them to the build's row reply by reply.
        let input_tokens = repo::stored_tokens(report.usage.input_tokens);
        let output_tokens = repo::stored_tokens(report.usage.output_tokens);
        self.events
            .emit(BuildEvent::SessionUsage {
                session: self.build.sessions + 1,
                model: report.model.clone(),
                input_tokens,
                output_tokens,
            })
            .await;
        let used_before = self.build.tokens() - self.build.limits_from_tokens;
        // The row's count, which a save tried again after its answer was lost may have moved by two.
        self.build.sessions = recorded.unwrap_or(self.build.sessions + 1);
        self.build.stalled_sessions = if made_progress { 0 } else { self.build.stalled_sessions + 1 };
        if recorded.is_some() {
            self.note_work_session(self.build.sessions).await;
        }
        self.build.input_tokens = self.build.input_tokens.saturating_add(input_tokens);
        self.build.output_tokens = self.build.output_tokens.saturating_add(output_tokens);
        self.warn_of_the_budget(used_before).await;
        // The lease keeper adds it to the build's row; this copy is for the
        // limits and the estimate.
        self.build.active_secs += worked;
        self.build.features_passing = passing;
        self.build.features_total = total;
        if let Some(finished) = plan {
            // An unfinished plan replaces a finished one (after a feature list that no longer read).
            self.planned = finished;
            self.build.planned_in_session = finished.then_some(self.build.sessions);
        }
        self.emit_progress().await;

        if recorded.is_none() {
            // The build is another worker's now (or the run is stopping):
            // no checkpoint of this copy may pass for one of its sessions.
            return Some(RunEnd::Stopped);
        }
        match report.end {
            SessionEnd::Stopped => Some(RunEnd::Stopped),
            SessionEnd::ProviderBusy { wait, message } => {
                // Bounded, so the time it resumes at is a time.
                let wait =
                    wait.unwrap_or(self.context.settings.provider_busy_pause).min(LONGEST_PROVIDER_WAIT);
                let resume_at = Utc::now() + chrono::TimeDelta::from_std(wait).unwrap_or_default();
                Some(RunEnd::Paused {
                    reason: format!(
                        "Paused: {message}. The build resumes by itself at {}.",
                        resume_at.format("%H:%M:%S UTC")
                    ),
                    resume_at: Some(resume_at),
                })
            }
            SessionEnd::DiskFull(reason) => Some(RunEnd::Failed(reason)),
            SessionEnd::ProviderRefused(message) => {
                Some(RunEnd::Failed(format!("The model provider refused the agent: {message}")))
            }
            SessionEnd::ProviderFailed(message) => {
                self.events
                    .emit(BuildEvent::Error { severity: Severity::Error, message, recovered: true })
                    .await;
                // A failing provider is not the agent looping; still, three in a row pause the build.
                None
            }
            // The limits are checked before the next session, and pause the build.
            SessionEnd::Finished
            | SessionEnd::TurnLimit
            | SessionEnd::Looping(_)
            | SessionEnd::TokenBudget
            | SessionEnd::TimeLimit => None,
        }
    }

    /// Records the session, trying again while the database is out of
    /// reach and this run still holds the build (its lease keeper stops the
    /// run before the lease lapses): a session not recorded would not count
    /// against the build's session, stall and working-time limits (its
    /// tokens are counted reply by reply, by the event writer).
    /// Records the session, trying again until the run stops; answers the
    /// build's sessions once it is recorded under this run's lease.
    async fn record_session_patiently(&self, tally: SessionTally, model: &str) -> Option<i32> {
        let mut wait = Duration::from_millis(200);
        loop {
            let error = match self.record_session(tally, model).await {
                Ok(recorded) => return recorded,
                Err(error) => error,
            };
            if self.stop.is_cancelled() {
                tracing::warn!(build_id = %self.build.id, %error, "could not record a session; the run is stopping");
                return None;
            }
            tracing::warn!(build_id = %self.build.id, %error, "could not record a session; trying again");
            tokio::select! {
                _ = self.stop.cancelled() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }

    async fn record_session(&self, tally: SessionTally, model: &str) -> Result<Option<i32>, StoreError> {
        let mut connection = self.context.pool.get().await?;
        repo::record_session(&mut connection, self.build.id, self.context.worker_id, tally, model).await
    }

    async fn emit_progress(&self) {
        let build = &self.build;
        let (done, total) = (build.features_passing, build.features_total);
        // The average time per passing feature so far, times the features left.
        let remaining_secs =
            (done > 0 && total > done).then(|| build.active_secs * i64::from(total - done) / i64::from(done));
        self.events
            .emit(BuildEvent::Progress { done, total, elapsed_secs: build.active_secs, remaining_secs })
            .await;
    }

    async fn finish(&self, features: &[Feature]) {
        self.events
            .emit(BuildEvent::Phase { phase: BuildPhase::Finishing, session: self.build.sessions })
            .await;
        self.events
            .emit(BuildEvent::system_log(format!(
                "All {} features pass. The build is complete.",
                features.len()
            )))
            .await;
    }
}
