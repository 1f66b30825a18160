//! Builds: an autonomous agent turning a spec into an app inside a sandbox.
//! The build and its typed events as the browser and server share them, and
//! the limits both enforce.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Builds one user may have running or queued at once.
pub const MAX_ACTIVE_BUILDS_PER_USER: i64 = 5;
pub const DEFAULT_LOG_PAGE: u32 = 500;
pub const MAX_LOG_PAGE: u32 = 5_000;
/// The most a page of the log holds, in bytes of its stored events: a page
/// of long lines holds fewer than asked for, and says where the log goes on.
pub const MAX_LOG_PAGE_BYTES: i64 = 4 * 1024 * 1024;
pub const MAX_BUILD_LIST: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BuildStatus {
    /// Waiting for a worker.
    Queued,
    Running,
    /// Stopped with its work directory kept; resumes where it stopped (by
    /// itself when `resume_at` is set, e.g. after a provider's rate limit).
    Paused,
    Completed,
    Failed,
    Cancelled,
}

impl BuildStatus {
    pub const ALL: [BuildStatus; 6] = [
        BuildStatus::Queued,
        BuildStatus::Running,
        BuildStatus::Paused,
        BuildStatus::Completed,
        BuildStatus::Failed,
        BuildStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Queued => "queued",
            BuildStatus::Running => "running",
            BuildStatus::Paused => "paused",
            BuildStatus::Completed => "completed",
            BuildStatus::Failed => "failed",
            BuildStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The status a person named (a list's filter), or a 422 that lists the names.
    pub fn named(text: &str) -> Result<Self, AppError> {
        Self::parse(text).ok_or_else(|| {
            let names = Self::ALL.map(BuildStatus::as_str);
            let (last, others) = names.split_last().unwrap_or((&"", &[]));
            AppError::Invalid(format!(
                "There is no build status \"{text}\"; use {} or {last}.",
                others.join(", ")
            ))
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            BuildStatus::Queued => "Queued",
            BuildStatus::Running => "Running",
            BuildStatus::Paused => "Paused",
            BuildStatus::Completed => "Completed",
            BuildStatus::Failed => "Failed",
            BuildStatus::Cancelled => "Cancelled",
        }
    }

    /// Whether the build has ended for good.
    pub fn is_final(self) -> bool {
        matches!(self, BuildStatus::Completed | BuildStatus::Failed | BuildStatus::Cancelled)
    }

    /// Whether a build in this state may be paused, resumed or cancelled.
    pub fn allows(self, control: BuildControl) -> bool {
        match control {
            BuildControl::Pause => matches!(self, BuildStatus::Queued | BuildStatus::Running),
            BuildControl::Resume => self == BuildStatus::Paused,
            BuildControl::Cancel => !self.is_final(),
        }
    }
}

/// What a person can do to a build that has not ended: pause it (the agent
/// stops, its work directory is kept), resume it, or cancel it (the agent
/// and every process in its sandbox are stopped for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildControl {
    Pause,
    Resume,
    Cancel,
}

impl BuildControl {
    /// The name a form posts, as serde reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildControl::Pause => "pause",
            BuildControl::Resume => "resume",
            BuildControl::Cancel => "cancel",
        }
    }
}

/// A build as a list row shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuildSummary {
    pub id: Uuid,
    /// The spec's name when the build started.
    pub spec_name: String,
    pub spec_id: Option<Uuid>,
    pub status: BuildStatus,
    pub status_reason: Option<String>,
    pub features_passing: i32,
    pub features_total: i32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub finished_at: Option<DateTime<Utc>>,
}

/// What every way in says of a build the caller cannot see: missing,
/// deleted and someone else's alike (and a malformed id, which names none).
pub fn build_not_found() -> AppError {
    AppError::NotFound("There is no such build. It may have been deleted.".into())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuildDetail {
    pub id: Uuid,
    pub spec_name: String,
    pub spec_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub status: BuildStatus,
    /// Why the build is paused, failed or cancelled, in words.
    pub status_reason: Option<String>,
    /// When a paused build resumes by itself (after a provider's limit).
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub resume_at: Option<DateTime<Utc>>,
    /// The spec as it was when the build was created.
    pub spec_content: String,
    /// The provider and model the agent talks to, e.g. "offline".
    pub provider: String,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Tokens the build may use before it pauses; a resume grants as many again.
    pub token_budget: i64,
    /// Tokens used since the budget was last granted.
    pub budget_used: i64,
    /// What the tokens cost so far, in millionths of a US dollar, from the
    /// model's price the operator set (`MODEL_PRICES`); `null` without one.
    pub cost_estimate_micro_usd: Option<i64>,
    /// Seconds the agent has worked, pauses excluded.
    pub active_secs: i64,
    /// Agent sessions run so far (the initializer counts as one).
    pub sessions: i32,
    pub features_passing: i32,
    pub features_total: i32,
    /// The sequence number of the newest event.
    pub last_event_seq: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub finished_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// Filters for the build list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct BuildQuery {
    pub status: Option<BuildStatus>,
    pub spec_id: Option<Uuid>,
    /// Part of the spec's name, in any case.
    pub search: Option<String>,
    /// Which page of `limit` builds, from 1 (0 counts as 1).
    pub page: Option<u32>,
    /// At most [`MAX_BUILD_LIST`]; newest first.
    pub limit: Option<u32>,
}

impl BuildQuery {
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(MAX_BUILD_LIST).clamp(1, MAX_BUILD_LIST)
    }

    pub fn search_text(&self) -> Option<String> {
        crate::model::specs::search_text_of(self.search.as_deref())
    }
}

/// Where the agent is in its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BuildPhase {
    /// Preparing the sandbox.
    Preparing,
    /// The initializer session: feature list, skeleton, first commit.
    Initializing,
    /// A coding session: one feature at a time.
    Coding,
    /// Everything passes; wrapping up.
    Finishing,
}

impl BuildPhase {
    pub fn label(self) -> &'static str {
        match self {
            BuildPhase::Preparing => "Preparing the sandbox",
            BuildPhase::Initializing => "Planning features",
            BuildPhase::Coding => "Implementing features",
            BuildPhase::Finishing => "Finishing",
        }
    }
}

/// What the agent is doing at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Thinking,
    Reading,
    WritingCode,
    RunningCommand,
    RunningTests,
    Committing,
    Waiting,
}

impl ActivityKind {
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Thinking => "Thinking",
            ActivityKind::Reading => "Reading",
            ActivityKind::WritingCode => "Writing code",
            ActivityKind::RunningCommand => "Running a command",
            ActivityKind::RunningTests => "Running tests",
            ActivityKind::Committing => "Committing",
            ActivityKind::Waiting => "Waiting",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    Created,
    Modified,
    Deleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    Stdout,
    Stderr,
    /// The platform's own lines: sessions starting, the agent's words.
    System,
}

/// What the egress proxy did with a connection a build asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EgressVerdict {
    Allowed,
    /// Refused: not on the allow-list, or an internal address.
    Denied,
    /// Allowed, but the host could not be resolved or reached.
    Failed,
}

/// Something that happened in a build, emitted where it happened (the
/// harness, a tool, the runner); nothing is guessed from log text. The
/// browser reads it with its own reader (`event_readers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(Deserialize, utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BuildEvent {
    Phase {
        phase: BuildPhase,
        /// The agent session (1 is the initializer).
        session: i32,
    },
    FeatureStart {
        /// Position in `feature_list.json`, from 0.
        index: i32,
        description: String,
        category: String,
    },
    FeatureEnd {
        index: i32,
        description: String,
        passed: bool,
        tests_passed: i32,
        tests_failed: i32,
    },
    Activity {
        activity: ActivityKind,
        detail: String,
    },
    ToolStart {
        call_id: String,
        tool: String,
        /// The command, or the path the tool works on.
        summary: String,
    },
    ToolEnd {
        call_id: String,
        tool: String,
        is_error: bool,
        duration_ms: i64,
    },
    File {
        path: String,
        change: FileChange,
    },
    TestRun {
        command: String,
        passed: i32,
        failed: i32,
        exit_code: Option<i32>,
        duration_ms: i64,
    },
    Error {
        severity: Severity,
        message: String,
        /// Whether the build carried on after it.
        recovered: bool,
    },
    Progress {
        done: i32,
        total: i32,
        elapsed_secs: i64,
        remaining_secs: Option<i64>,
    },
    Log {
        stream: LogStream,
        line: String,
    },
    Status {
        status: BuildStatus,
        reason: Option<String>,
    },
    /// What an agent session used, when it ended.
    SessionUsage {
        session: i32,
        model: String,
        input_tokens: i64,
        output_tokens: i64,
    },
    /// The build's tokens passed 80 % of its budget (it pauses at 100 %).
    BudgetWarning {
        used_tokens: i64,
        budget_tokens: i64,
    },
    /// A line from the app's preview: what it printed, or (`system`) its
    /// starting and stopping.
    AppLog {
        stream: LogStream,
        line: String,
    },
    /// A host the build tried to reach through the egress proxy.
    Egress {
        host: String,
        port: i32,
        verdict: EgressVerdict,
        reason: Option<String>,
    },
}

impl BuildEvent {
    /// The event's kind as stored and as the SSE `event:` name would read.
    pub fn kind(&self) -> &'static str {
        match self {
            BuildEvent::Phase { .. } => "phase",
            BuildEvent::FeatureStart { .. } => "feature_start",
            BuildEvent::FeatureEnd { .. } => "feature_end",
            BuildEvent::Activity { .. } => "activity",
            BuildEvent::ToolStart { .. } => "tool_start",
            BuildEvent::ToolEnd { .. } => "tool_end",
            BuildEvent::File { .. } => "file",
            BuildEvent::TestRun { .. } => "test_run",
            BuildEvent::Error { .. } => "error",
            BuildEvent::Progress { .. } => "progress",
            BuildEvent::Log { .. } => "log",
            BuildEvent::Status { .. } => "status",
            BuildEvent::Egress { .. } => "egress",
            BuildEvent::AppLog { .. } => "app_log",
            BuildEvent::SessionUsage { .. } => "session_usage",
            BuildEvent::BudgetWarning { .. } => "budget_warning",
        }
    }

    /// What a [`BuildEvent::BudgetWarning`] says, in the log, the page and a webhook.
    pub fn budget_warning_text(used_tokens: i64, budget_tokens: i64) -> String {
        let percent = used_tokens.saturating_mul(100) / budget_tokens.max(1);
        format!(
            "The build has used {used_tokens} of its {budget_tokens} tokens ({percent} %); it pauses when the \
             budget is spent."
        )
    }

    pub fn system_log(line: impl Into<String>) -> Self {
        BuildEvent::Log { stream: LogStream::System, line: line.into() }
    }
}

/// An event as stored: numbered without gaps per build, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StoredBuildEvent {
    pub seq: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub at: DateTime<Utc>,
    pub event: BuildEvent,
}

/// What the build stream (`GET /api/builds/{id}/stream`) sends as the data
/// of each `event` message (`id:` is `seq`). `historical` marks events read
/// from the database on connecting, before live ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StreamedBuildEvent {
    pub seq: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub at: DateTime<Utc>,
    pub historical: bool,
    pub event: BuildEvent,
}

/// The data of the build stream's last message, `complete`: how the build
/// ended, sent once its archive is settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuildEnded {
    pub status: BuildStatus,
    /// Why, when it failed or was cancelled.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_posted_by_a_form_is_read_as_itself() {
        for control in [BuildControl::Pause, BuildControl::Resume, BuildControl::Cancel] {
            let read: BuildControl = serde_json::from_value(serde_json::json!(control.as_str())).unwrap();
            assert_eq!(read, control);
        }
    }

    #[test]
    fn a_status_filter_is_read_by_name_and_a_wrong_name_is_told_the_right_ones() {
        assert_eq!(BuildStatus::named("paused").unwrap(), BuildStatus::Paused);
        let refused = BuildStatus::named("done").unwrap_err();
        assert_eq!(refused.status_code(), 422);
        assert_eq!(
            refused.to_string(),
            "There is no build status \"done\"; use queued, running, paused, completed, failed or cancelled."
        );
    }

    #[test]
    fn events_serialise_with_a_type_tag() {
        let event = BuildEvent::Log { stream: LogStream::Stdout, line: "ok 1".into() };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "log");
        assert_eq!(json["stream"], "stdout");
        assert_eq!(serde_json::from_value::<BuildEvent>(json).unwrap(), event);
    }
}
