//! The state of a build as its events tell it, folded one event at a time:
//! what the build page shows, on the server (from the stored events) and in
//! the browser (from the stream).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::builds::{
    ActivityKind, BuildDetail, BuildEvent, BuildPhase, BuildStatus, EgressVerdict, FileChange, Severity,
    StoredBuildEvent,
};

/// A build as its page opens: the build and its state folded from the
/// stored events, so the page shows phase, features, files and errors
/// before its live stream has said anything, and without JavaScript.
/// Nested rather than `#[serde(flatten)]`: flattening compiles a second,
/// buffered deserializer of the whole build into the page's WASM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildPage {
    pub detail: BuildDetail,
    pub view: BuildView,
}

/// The state of a build as its events tell it: what the build page shows.
/// Fold events into it in sequence order with [`BuildView::apply`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildView {
    pub last_seq: i64,
    pub status: Option<BuildStatus>,
    pub status_reason: Option<String>,
    pub phase: Option<BuildPhase>,
    pub session: i32,
    pub activity: Option<(ActivityKind, String)>,
    pub features: Vec<FeatureView>,
    pub current_feature: Option<i32>,
    pub files: Vec<(String, FileChange)>,
    pub errors: Vec<(Severity, String, bool)>,
    pub progress: Option<(i32, i32, i64, Option<i64>)>,
    /// When the agent measured `progress`: its times count on from there.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub progress_at: Option<DateTime<Utc>>,
    pub last_test_run: Option<(String, i32, i32, Option<i32>)>,
    /// Hosts the build tried to reach, one entry per host, port and verdict.
    pub network: Vec<NetworkAccess>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAccess {
    pub host: String,
    pub port: i32,
    pub verdict: EgressVerdict,
    /// Why, for the latest refusal or failure.
    pub reason: Option<String>,
    pub attempts: i32,
}

/// Distinct hosts the build page lists; a build trying thousands is told
/// by the first ones.
const MAX_NETWORK_ENTRIES: usize = 200;

/// The version of what [`BuildView::apply`] makes of the events. The
/// server keeps folded states and goes on from them; one of another
/// version is folded again from the start. Bump it with any change to
/// `apply` or to [`KINDS_WITHOUT_STATE`] that would fold the same events
/// into a different view.
pub const FOLD_VERSION: i32 = 1;

/// The kinds of event that tell nothing of a build's state, which
/// [`BuildView::apply`] passes over: the server's state query does not read
/// them, however many a build writes (its app's output, its log).
pub const KINDS_WITHOUT_STATE: [&str; 5] = ["log", "tool_start", "tool_end", "session_usage", "app_log"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureView {
    pub index: i32,
    pub description: String,
    pub category: String,
    /// `None` while not yet finished.
    pub passed: Option<bool>,
    pub tests_passed: i32,
    pub tests_failed: i32,
    /// When its tests last ended.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub finished_at: Option<DateTime<Utc>>,
}

impl BuildView {
    /// Folds one event in; events at or below `last_seq` are ignored, so a
    /// replayed event is harmless.
    pub fn apply(&mut self, stored: &StoredBuildEvent) {
        if stored.seq <= self.last_seq {
            return;
        }
        self.last_seq = stored.seq;
        match &stored.event {
            BuildEvent::Phase { phase, session } => {
                self.phase = Some(*phase);
                self.session = *session;
            }
            BuildEvent::FeatureStart { index, description, category } => {
                self.current_feature = Some(*index);
                let feature = self.feature_mut(*index, description, category);
                feature.passed = None;
            }
            BuildEvent::FeatureEnd { index, description, passed, tests_passed, tests_failed } => {
                let feature = self.feature_mut(*index, description, "");
                feature.passed = Some(*passed);
                feature.tests_passed = *tests_passed;
                feature.tests_failed = *tests_failed;
                feature.finished_at = Some(stored.at);
                if self.current_feature == Some(*index) {
                    self.current_feature = None;
                }
            }
            BuildEvent::Activity { activity, detail } => self.activity = Some((*activity, detail.clone())),
            BuildEvent::File { path, change } => {
                self.files.retain(|(known, _)| known != path);
                self.files.push((path.clone(), *change));
            }
            BuildEvent::TestRun { command, passed, failed, exit_code, .. } => {
                self.last_test_run = Some((command.clone(), *passed, *failed, *exit_code));
            }
            BuildEvent::Error { severity, message, recovered } => {
                self.errors.push((*severity, message.clone(), *recovered));
            }
            BuildEvent::BudgetWarning { used_tokens, budget_tokens } => {
                let message = BuildEvent::budget_warning_text(*used_tokens, *budget_tokens);
                self.errors.push((Severity::Warning, message, true));
            }
            BuildEvent::Progress { done, total, elapsed_secs, remaining_secs } => {
                self.progress = Some((*done, *total, *elapsed_secs, *remaining_secs));
                self.progress_at = Some(stored.at);
            }
            BuildEvent::Status { status, reason } => {
                self.status = Some(*status);
                self.status_reason = reason.clone();
                if status.is_final() || *status == BuildStatus::Paused {
                    self.activity = None;
                }
            }
            BuildEvent::Egress { host, port, verdict, reason } => {
                let known = self.network.iter().position(|access| {
                    access.host == *host && access.port == *port && access.verdict == *verdict
                });
                if let Some(position) = known {
                    let access = &mut self.network[position];
                    access.attempts += 1;
                    access.reason = reason.clone();
                } else if self.network.len() < MAX_NETWORK_ENTRIES {
                    self.network.push(NetworkAccess {
                        host: host.clone(),
                        port: *port,
                        verdict: *verdict,
                        reason: reason.clone(),
                        attempts: 1,
                    });
                }
            }
            BuildEvent::ToolStart { .. }
            | BuildEvent::ToolEnd { .. }
            | BuildEvent::Log { .. }
            | BuildEvent::AppLog { .. }
            | BuildEvent::SessionUsage { .. } => {}
        }
    }

    fn feature_mut(&mut self, index: i32, description: &str, category: &str) -> &mut FeatureView {
        let position = match self.features.iter().position(|feature| feature.index == index) {
            Some(position) => position,
            None => {
                self.features.push(FeatureView {
                    index,
                    description: description.to_owned(),
                    category: category.to_owned(),
                    passed: None,
                    tests_passed: 0,
                    tests_failed: 0,
                    finished_at: None,
                });
                self.features.sort_by_key(|feature| feature.index);
                self.features.iter().position(|feature| feature.index == index).expect("just inserted")
            }
        };
        &mut self.features[position]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builds::LogStream;

    fn stored(seq: i64, event: BuildEvent) -> StoredBuildEvent {
        StoredBuildEvent { seq, at: Utc::now(), event }
    }

    #[test]
    fn kinds_without_state_leave_the_view_as_it_was() {
        let without_state = [
            BuildEvent::Log { stream: LogStream::Stdout, line: "npm test".into() },
            BuildEvent::ToolStart { call_id: "1".into(), tool: "bash".into(), summary: "npm test".into() },
            BuildEvent::ToolEnd { call_id: "1".into(), tool: "bash".into(), is_error: false, duration_ms: 5 },
            BuildEvent::SessionUsage { session: 1, model: "m".into(), input_tokens: 10, output_tokens: 20 },
            BuildEvent::AppLog { stream: LogStream::Stderr, line: "listening".into() },
        ];
        let kinds: Vec<&str> = without_state.iter().map(BuildEvent::kind).collect();
        assert_eq!(kinds, KINDS_WITHOUT_STATE);
        for (seq, event) in (1..).zip(without_state) {
            let mut view = BuildView::default();
            view.apply(&stored(seq, event));
            assert_eq!(view, BuildView { last_seq: seq, ..BuildView::default() });
        }
    }

    #[test]
    fn the_view_follows_features_and_ignores_replayed_events() {
        let mut view = BuildView::default();
        let start = stored(
            1,
            BuildEvent::FeatureStart {
                index: 0,
                description: "Add a todo".into(),
                category: "functional".into(),
            },
        );
        view.apply(&start);
        assert_eq!(view.current_feature, Some(0));
        view.apply(&stored(
            2,
            BuildEvent::FeatureEnd {
                index: 0,
                description: "Add a todo".into(),
                passed: true,
                tests_passed: 3,
                tests_failed: 0,
            },
        ));
        view.apply(&start);
        assert_eq!(view.current_feature, None, "a replayed start changes nothing");
        assert_eq!(view.features[0].passed, Some(true));
        assert_eq!(view.features[0].tests_passed, 3);
    }

    #[test]
    fn the_view_lists_each_host_once_per_verdict_with_its_attempts() {
        let mut view = BuildView::default();
        let egress = |seq, host: &str, verdict, reason: Option<&str>| {
            stored(
                seq,
                BuildEvent::Egress {
                    host: host.into(),
                    port: 443,
                    verdict,
                    reason: reason.map(str::to_owned),
                },
            )
        };
        view.apply(&egress(1, "registry.npmjs.org", EgressVerdict::Allowed, None));
        view.apply(&egress(2, "registry.npmjs.org", EgressVerdict::Allowed, None));
        view.apply(&egress(3, "evil.example", EgressVerdict::Denied, Some("not allowed")));
        assert_eq!(view.network.len(), 2);
        assert_eq!((view.network[0].host.as_str(), view.network[0].attempts), ("registry.npmjs.org", 2));
        assert_eq!(view.network[1].verdict, EgressVerdict::Denied);
        assert_eq!(view.network[1].reason.as_deref(), Some("not allowed"));
    }
}
