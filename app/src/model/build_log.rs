//! A build's log as people read it: every event worth a line (phases,
//! features, tools, files, tests, errors, output, network), each with its
//! category so the log can be filtered, written once here for the page, the
//! REST API and the plain-text download alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::builds::{BuildEvent, EgressVerdict, FileChange, LogStream, Severity, StoredBuildEvent};

/// The kinds of stored events that have no line in the log: the current
/// activity and progress are states the summary shows, not history.
pub const KINDS_NOT_LOGGED: [&str; 2] = ["activity", "progress"];

/// What a log line is about, to filter the log by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogCategory {
    /// Phases, sessions and the build's status.
    Phase,
    Feature,
    /// The agent's tool calls.
    Tool,
    File,
    Test,
    Error,
    /// What commands printed and the platform's own lines.
    Log,
    /// Hosts reached or refused through the egress proxy.
    Network,
    /// The preview: the app's own output, its starts and stops.
    App,
}

impl LogCategory {
    pub const ALL: [LogCategory; 9] = [
        LogCategory::Phase,
        LogCategory::Feature,
        LogCategory::Tool,
        LogCategory::File,
        LogCategory::Test,
        LogCategory::Error,
        LogCategory::Log,
        LogCategory::Network,
        LogCategory::App,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogCategory::Phase => "phase",
            LogCategory::Feature => "feature",
            LogCategory::Tool => "tool",
            LogCategory::File => "file",
            LogCategory::Test => "test",
            LogCategory::Error => "error",
            LogCategory::Log => "log",
            LogCategory::Network => "network",
            LogCategory::App => "app",
        }
    }

    /// The name of the filter that shows this category.
    pub fn label(self) -> &'static str {
        match self {
            LogCategory::Phase => "Phases",
            LogCategory::Feature => "Features",
            LogCategory::Tool => "Tools",
            LogCategory::File => "Files",
            LogCategory::Test => "Tests",
            LogCategory::Error => "Errors",
            LogCategory::Log => "Output",
            LogCategory::Network => "Network",
            LogCategory::App => "App",
        }
    }
}

/// A page of a build's log lines, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub lines: Vec<LogLine>,
    /// Pass as `after` for the next page; `null` when this page is the end so far.
    pub next_after: Option<i64>,
}

/// One line of the log: an event of the build, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogLine {
    /// The event's sequence number.
    pub seq: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub at: DateTime<Utc>,
    pub category: LogCategory,
    /// Where a `log` or `app` line came from; `system` for every other category.
    pub stream: LogStream,
    /// What a command printed as it printed it (ANSI colours included), or
    /// the event told in words.
    pub line: String,
}

impl LogLine {
    /// The event's line, or `None` for the kinds in [`KINDS_NOT_LOGGED`].
    pub fn of(stored: &StoredBuildEvent) -> Option<LogLine> {
        let (category, stream, line) = describe(&stored.event)?;
        Some(LogLine { seq: stored.seq, at: stored.at, category, stream, line })
    }

    /// `stdout`, `stderr` or `system` for output; the category otherwise.
    pub fn tag(&self) -> &'static str {
        match (self.category, self.stream) {
            (LogCategory::Log, LogStream::Stdout) => "stdout",
            (LogCategory::Log, LogStream::Stderr) => "stderr",
            (LogCategory::Log, LogStream::System) => "system",
            (category, _) => category.as_str(),
        }
    }

    /// The line in the plain-text download: time, tag, text, with a text of
    /// several lines indented under its first.
    pub fn to_plain_text(&self) -> String {
        let mut text = format!("{} {:<7} ", self.at.format("%Y-%m-%dT%H:%M:%S%.3fZ"), self.tag());
        for (index, part) in self.line.split('\n').enumerate() {
            if index > 0 {
                text.push_str("\n    ");
            }
            text.push_str(part.strip_suffix('\r').unwrap_or(part));
        }
        text.push('\n');
        text
    }
}

fn describe(event: &BuildEvent) -> Option<(LogCategory, LogStream, String)> {
    let system = |category: LogCategory, line: String| Some((category, LogStream::System, line));
    match event {
        BuildEvent::Log { stream, line } => Some((LogCategory::Log, *stream, line.clone())),
        BuildEvent::AppLog { stream, line } => Some((LogCategory::App, *stream, line.clone())),
        BuildEvent::Phase { phase, session } => match session {
            0 => system(LogCategory::Phase, format!("Phase: {}", phase.label())),
            session => system(LogCategory::Phase, format!("Phase: {} (session {session})", phase.label())),
        },
        BuildEvent::Status { status, reason } => system(
            LogCategory::Phase,
            match reason {
                Some(reason) => format!("Status: {}: {reason}", status.label()),
                None => format!("Status: {}", status.label()),
            },
        ),
        BuildEvent::SessionUsage { session, model, input_tokens, output_tokens } => system(
            LogCategory::Phase,
            format!(
                "Session {session} used {input_tokens} input and {output_tokens} output tokens of {model}"
            ),
        ),
        BuildEvent::FeatureStart { index, description, category } => {
            system(LogCategory::Feature, format!("Feature {} started: {description} ({category})", index + 1))
        }
        BuildEvent::FeatureEnd { index, description, passed, tests_passed, tests_failed } => system(
            LogCategory::Feature,
            format!(
                "Feature {} {}: {description} ({tests_passed} tests passed, {tests_failed} failed)",
                index + 1,
                if *passed { "passes" } else { "fails" }
            ),
        ),
        BuildEvent::ToolStart { tool, summary, .. } => {
            system(LogCategory::Tool, format!("{tool}: {summary}"))
        }
        BuildEvent::ToolEnd { tool, is_error, duration_ms, .. } => system(
            LogCategory::Tool,
            match is_error {
                true => format!("{tool} failed after {}", seconds(*duration_ms)),
                false => format!("{tool} finished in {}", seconds(*duration_ms)),
            },
        ),
        BuildEvent::File { path, change } => {
            let change = match change {
                FileChange::Created => "Created",
                FileChange::Modified => "Modified",
                FileChange::Deleted => "Deleted",
            };
            system(LogCategory::File, format!("{change} {path}"))
        }
        BuildEvent::TestRun { command, passed, failed, exit_code, duration_ms } => {
            let exit =
                exit_code.map_or_else(|| "no exit code".to_owned(), |code| format!("exit code {code}"));
            system(
                LogCategory::Test,
                format!(
                    "Tests: {passed} passed, {failed} failed ({exit}, {}): {command}",
                    seconds(*duration_ms)
                ),
            )
        }
        BuildEvent::Error { severity, message, recovered } => {
            let severity = match severity {
                Severity::Warning => "Warning",
                Severity::Error => "Error",
            };
            let carried_on = if *recovered { " (the build carried on)" } else { "" };
            system(LogCategory::Error, format!("{severity}: {message}{carried_on}"))
        }
        BuildEvent::BudgetWarning { used_tokens, budget_tokens } => system(
            LogCategory::Error,
            format!("Warning: {}", BuildEvent::budget_warning_text(*used_tokens, *budget_tokens)),
        ),
        BuildEvent::Egress { host, port, verdict, reason } => {
            let verdict = match verdict {
                EgressVerdict::Allowed => "Reached",
                EgressVerdict::Denied => "Refused",
                EgressVerdict::Failed => "Could not reach",
            };
            let reason = reason.as_deref().map(|reason| format!(": {reason}")).unwrap_or_default();
            system(LogCategory::Network, format!("{verdict} {host}:{port}{reason}"))
        }
        BuildEvent::Activity { .. } | BuildEvent::Progress { .. } => None,
    }
}

fn seconds(millis: i64) -> String {
    format!("{:.1} s", millis as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builds::{ActivityKind, BuildStatus};

    fn stored(event: BuildEvent) -> StoredBuildEvent {
        StoredBuildEvent { seq: 7, at: "2026-12-03T10:20:30.456Z".parse().unwrap(), event }
    }

    #[test]
    fn output_keeps_its_stream_and_text_as_printed() {
        let line = LogLine::of(&stored(BuildEvent::Log {
            stream: LogStream::Stderr,
            line: "\u{1b}[31mboom\u{1b}[0m".into(),
        }))
        .unwrap();
        assert_eq!((line.category, line.stream, line.tag()), (LogCategory::Log, LogStream::Stderr, "stderr"));
        assert_eq!(line.line, "\u{1b}[31mboom\u{1b}[0m");
    }

    #[test]
    fn other_events_are_told_in_words_under_their_category() {
        let cases = [
            (
                BuildEvent::TestRun {
                    command: "npm test".into(),
                    passed: 4,
                    failed: 1,
                    exit_code: Some(1),
                    duration_ms: 2_340,
                },
                LogCategory::Test,
                "Tests: 4 passed, 1 failed (exit code 1, 2.3 s): npm test",
            ),
            (
                BuildEvent::Error {
                    severity: Severity::Warning,
                    message: "slow disk".into(),
                    recovered: true,
                },
                LogCategory::Error,
                "Warning: slow disk (the build carried on)",
            ),
            (
                BuildEvent::Egress {
                    host: "evil.example".into(),
                    port: 443,
                    verdict: EgressVerdict::Denied,
                    reason: Some("not on the allow-list".into()),
                },
                LogCategory::Network,
                "Refused evil.example:443: not on the allow-list",
            ),
            (
                BuildEvent::Status { status: BuildStatus::Paused, reason: Some("budget reached".into()) },
                LogCategory::Phase,
                "Status: Paused: budget reached",
            ),
            (
                BuildEvent::File { path: "src/app.js".into(), change: FileChange::Created },
                LogCategory::File,
                "Created src/app.js",
            ),
        ];
        for (event, category, text) in cases {
            let line = LogLine::of(&stored(event)).unwrap();
            assert_eq!((line.category, line.stream, line.line.as_str()), (category, LogStream::System, text));
        }
    }

    #[test]
    fn activity_and_progress_have_no_line() {
        let activity = BuildEvent::Activity { activity: ActivityKind::Thinking, detail: String::new() };
        let progress = BuildEvent::Progress { done: 1, total: 3, elapsed_secs: 5, remaining_secs: None };
        for event in [activity, progress] {
            assert!(KINDS_NOT_LOGGED.contains(&event.kind()));
            assert_eq!(LogLine::of(&stored(event)), None);
        }
    }

    #[test]
    fn the_plain_text_line_has_time_tag_and_indented_continuations() {
        let line = LogLine::of(&stored(BuildEvent::Log {
            stream: LogStream::Stdout,
            line: "first\r\nsecond".into(),
        }))
        .unwrap();
        assert_eq!(line.to_plain_text(), "2026-12-03T10:20:30.456Z stdout  first\n    second\n");
    }
}
