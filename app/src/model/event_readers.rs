//! How the browser reads the streams' events, [`BuildEvent`] and
//! [`ReplyEvent`]: the `type` first, then the variant's fields, with no
//! buffering (see [`crate::tagged`]). serde's reader for an internally
//! tagged enum was a seventh of the build page's own code, and a sixth of
//! chat's serde code. The server keeps serde's reader, which accepts the
//! tag anywhere.
//!
//! Each enum has an externally tagged twin here, for [`read_tag_first`]:
//! serde's `remote` derive reads into the enum itself, and the tests' writer
//! (the same derive) matches every variant, so a variant added to the enum
//! and not to its twin does not compile.
//!
//! [`read_tag_first`]: crate::tagged::read_tag_first

use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use super::builds::{
    ActivityKind, BuildEvent, BuildPhase, BuildStatus, EgressVerdict, FileChange, LogStream, Severity,
};
use super::chats::{ReplyEvent, ReplyStatus};
use crate::tagged::ReadByName;

// Only its reader is used: it reads into `BuildEvent`.
#[allow(dead_code)]
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(remote = "BuildEvent", rename_all = "snake_case")]
enum BuildEventByName {
    Phase { phase: BuildPhase, session: i32 },
    FeatureStart { index: i32, description: String, category: String },
    FeatureEnd { index: i32, description: String, passed: bool, tests_passed: i32, tests_failed: i32 },
    Activity { activity: ActivityKind, detail: String },
    ToolStart { call_id: String, tool: String, summary: String },
    ToolEnd { call_id: String, tool: String, is_error: bool, duration_ms: i64 },
    File { path: String, change: FileChange },
    TestRun { command: String, passed: i32, failed: i32, exit_code: Option<i32>, duration_ms: i64 },
    Error { severity: Severity, message: String, recovered: bool },
    Progress { done: i32, total: i32, elapsed_secs: i64, remaining_secs: Option<i64> },
    Log { stream: LogStream, line: String },
    Status { status: BuildStatus, reason: Option<String> },
    SessionUsage { session: i32, model: String, input_tokens: i64, output_tokens: i64 },
    BudgetWarning { used_tokens: i64, budget_tokens: i64 },
    AppLog { stream: LogStream, line: String },
    Egress { host: String, port: i32, verdict: EgressVerdict, reason: Option<String> },
}

impl<'de> ReadByName<'de> for BuildEvent {
    fn read_by_name<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BuildEventByName::deserialize(deserializer)
    }
}

// Only its reader is used: it reads into `ReplyEvent`.
#[allow(dead_code)]
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(remote = "ReplyEvent", rename_all = "snake_case")]
enum ReplyEventByName {
    Snapshot { message_id: Uuid, content: String },
    Delta { message_id: Uuid, text: String },
    Done { message_id: Uuid, status: ReplyStatus, error: Option<String> },
    Idle,
}

impl<'de> ReadByName<'de> for ReplyEvent {
    fn read_by_name<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ReplyEventByName::deserialize(deserializer)
    }
}

/// The browser's readers; the server derives serde's.
#[cfg(not(feature = "ssr"))]
mod in_the_browser {
    use serde::{Deserialize, Deserializer};

    use crate::model::builds::BuildEvent;
    use crate::model::chats::ReplyEvent;
    use crate::tagged::read_tag_first;

    impl<'de> Deserialize<'de> for BuildEvent {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            read_tag_first(deserializer, "type")
        }
    }

    impl<'de> Deserialize<'de> for ReplyEvent {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            read_tag_first(deserializer, "type")
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::{json, Value};

    use super::*;
    use crate::tagged::read_tag_first;

    /// One build event of each kind, with every optional field set and unset.
    fn every_build_event() -> Vec<BuildEvent> {
        vec![
            BuildEvent::Phase { phase: BuildPhase::Coding, session: 2 },
            BuildEvent::FeatureStart { index: 0, description: "Sign in".into(), category: "auth".into() },
            BuildEvent::FeatureEnd {
                index: 0,
                description: "Sign in".into(),
                passed: true,
                tests_passed: 3,
                tests_failed: 0,
            },
            BuildEvent::Activity { activity: ActivityKind::RunningTests, detail: "npm test".into() },
            BuildEvent::ToolStart { call_id: "c1".into(), tool: "bash".into(), summary: "ls".into() },
            BuildEvent::ToolEnd {
                call_id: "c1".into(),
                tool: "bash".into(),
                is_error: false,
                duration_ms: 12,
            },
            BuildEvent::File { path: "src/app.js".into(), change: FileChange::Modified },
            BuildEvent::TestRun {
                command: "npm test".into(),
                passed: 4,
                failed: 1,
                exit_code: Some(1),
                duration_ms: 900,
            },
            BuildEvent::TestRun {
                command: "npm test".into(),
                passed: 0,
                failed: 0,
                exit_code: None,
                duration_ms: 5,
            },
            BuildEvent::Error { severity: Severity::Warning, message: "retrying".into(), recovered: true },
            BuildEvent::Progress { done: 2, total: 5, elapsed_secs: 60, remaining_secs: Some(90) },
            BuildEvent::Progress { done: 0, total: 0, elapsed_secs: 1, remaining_secs: None },
            BuildEvent::Log { stream: LogStream::Stderr, line: "warn: \"quoted\" \u{1b}[31mred".into() },
            BuildEvent::Status { status: BuildStatus::Paused, reason: Some("Rate limited".into()) },
            BuildEvent::Status { status: BuildStatus::Running, reason: None },
            BuildEvent::SessionUsage {
                session: 1,
                model: "offline".into(),
                input_tokens: 10,
                output_tokens: 20,
            },
            BuildEvent::BudgetWarning { used_tokens: 800, budget_tokens: 1000 },
            BuildEvent::AppLog { stream: LogStream::System, line: "listening on 3000".into() },
            BuildEvent::Egress {
                host: "registry.npmjs.org".into(),
                port: 443,
                verdict: EgressVerdict::Denied,
                reason: Some("not on the allow-list".into()),
            },
        ]
    }

    fn every_reply_event() -> Vec<ReplyEvent> {
        let message_id = Uuid::from_u128(7);
        vec![
            ReplyEvent::Snapshot { message_id, content: "# Family Table\n".into() },
            ReplyEvent::Delta { message_id, text: "more".into() },
            ReplyEvent::Done {
                message_id,
                status: ReplyStatus::Failed,
                error: Some("The provider refused.".into()),
            },
            ReplyEvent::Done { message_id, status: ReplyStatus::Complete, error: None },
            ReplyEvent::Idle,
        ]
    }

    fn read_in_browser<T: for<'de> ReadByName<'de>>(json: &str) -> Result<T, serde_json::Error> {
        read_tag_first(&mut serde_json::Deserializer::from_str(json), "type")
    }

    /// What the server writes, `{"type": "log", …}`, as the twin would write
    /// it: `{"log": {…}}`, or `"idle"` for a variant without fields.
    fn as_the_twin_names_it(server: &impl Serialize) -> Value {
        let mut fields = serde_json::to_value(server).unwrap();
        let tag = fields.as_object_mut().unwrap().remove("type").unwrap();
        let tag = tag.as_str().unwrap();
        if fields.as_object().unwrap().is_empty() {
            json!(tag)
        } else {
            json!({ tag: fields })
        }
    }

    type TwinWriter<T> = fn(&T, serde_json::value::Serializer) -> Result<Value, serde_json::Error>;

    /// Each of `events`, one of each of its enum's `kinds`, reads back in the
    /// browser as the server writes it; and `twin_writes` names its variant
    /// and fields as the server does.
    fn assert_read_as_written<T>(
        events: Vec<T>,
        kind_of: fn(&T) -> &'static str,
        kinds: usize,
        twin_writes: TwinWriter<T>,
    ) where
        T: Serialize + for<'de> ReadByName<'de> + PartialEq + std::fmt::Debug,
    {
        let seen: std::collections::BTreeSet<_> = events.iter().map(kind_of).collect();
        assert_eq!(seen.len(), kinds, "one event of each of the {kinds} kinds; a new kind needs one here");
        for event in events {
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(read_in_browser::<T>(&json).unwrap(), event, "{json}");
            assert_eq!(
                twin_writes(&event, serde_json::value::Serializer).unwrap(),
                as_the_twin_names_it(&event),
                "{json}"
            );
        }
    }

    #[test]
    fn the_browser_reads_every_build_event_the_server_writes() {
        assert_read_as_written(every_build_event(), BuildEvent::kind, 16, BuildEventByName::serialize);
    }

    #[test]
    fn the_browser_reads_every_reply_event_the_server_writes() {
        assert_read_as_written(every_reply_event(), ReplyEvent::name, 4, ReplyEventByName::serialize);
    }

    #[test]
    fn an_event_of_a_newer_server_is_refused_not_misread() {
        let error = read_in_browser::<BuildEvent>(r#"{"type":"teleport","to":"mars"}"#).unwrap_err();
        assert!(error.to_string().contains("unknown variant `teleport`"), "{error}");
    }
}
