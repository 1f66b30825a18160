//! The agent's tools, run against the build's sandbox. Each call is
//! recorded where it happens: tool start and end, the activity, files
//! written, every output line, test results. The model gets a shortened
//! result; the log keeps everything.

use std::time::Instant;

use app::model::builds::{ActivityKind, BuildEvent, EgressVerdict, FileChange, LogStream, Severity};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::test_results::count_tests;
use crate::builds::build_metrics::{BuildMetrics, CommandOutcome};
use crate::builds::events::EventSink;
use crate::llm::ToolCall;
use crate::sandbox::egress::{EgressOutcome, EgressRecord};
use crate::sandbox::{CommandOutput, OutputStream, Sandbox, SandboxError};
use agent_protocol::harness::{
    EXIT_CODE_LINE, LIST_FILES, READ_FILE, REPLACE_IN_FILE, RUN_COMMAND, WRITE_FILE,
};

/// Output lines kept for the model's excerpt and test counting; the log
/// has them all.
const KEPT_LINES: usize = 4000;

/// What a tool answered, for the model.
pub struct ToolOutcome {
    pub content: String,
    pub is_error: bool,
    pub test_run: Option<TestRunRecord>,
    /// Whether the tool changed a file (progress, for the loop guard).
    pub changed_files: bool,
}

pub struct TestRunRecord {
    pub command: String,
    pub succeeded: bool,
    pub output: Vec<String>,
    pub passed: i32,
    pub failed: i32,
}

pub struct Tools<'a> {
    pub sandbox: &'a dyn Sandbox,
    pub events: &'a EventSink,
    pub stop: &'a CancellationToken,
    pub metrics: &'a BuildMetrics,
    /// Characters of a tool result the model sees.
    pub result_limit: usize,
}

impl Tools<'_> {
    pub async fn execute(&self, call: &ToolCall) -> ToolOutcome {
        let started = Instant::now();
        self.events
            .emit(BuildEvent::ToolStart {
                call_id: call.id.clone(),
                tool: call.name.clone(),
                summary: summary(call),
            })
            .await;
        let outcome = match self.dispatch(call).await {
            Ok(outcome) => outcome,
            Err(message) => {
                self.events
                    .emit(BuildEvent::Error {
                        severity: Severity::Warning,
                        message: message.clone(),
                        recovered: true,
                    })
                    .await;
                ToolOutcome { content: message, is_error: true, test_run: None, changed_files: false }
            }
        };
        self.events
            .emit(BuildEvent::ToolEnd {
                call_id: call.id.clone(),
                tool: call.name.clone(),
                is_error: outcome.is_error,
                duration_ms: started.elapsed().as_millis() as i64,
            })
            .await;
        ToolOutcome { content: shorten(&outcome.content, self.result_limit), ..outcome }
    }

    async fn dispatch(&self, call: &ToolCall) -> Result<ToolOutcome, String> {
        let input = &call.input;
        match call.name.as_str() {
            RUN_COMMAND => {
                let command = text(input, "command")?;
                let is_test_run = input.get("is_test_run").and_then(Value::as_bool).unwrap_or(false);
                self.run_command(command, is_test_run).await
            }
            READ_FILE => {
                let path = text(input, "path")?;
                self.activity(ActivityKind::Reading, path).await;
                let bytes = self.sandbox.read_file(path).await.map_err(|error| file_error(path, error))?;
                Ok(plain(String::from_utf8_lossy(&bytes).into_owned()))
            }
            WRITE_FILE => {
                let (path, content) = (text(input, "path")?, text(input, "content")?);
                self.activity(ActivityKind::WritingCode, path).await;
                let change = match self.sandbox.read_file(path).await {
                    Ok(_) => FileChange::Modified,
                    Err(_) => FileChange::Created,
                };
                self.sandbox
                    .write_file(path, content.as_bytes())
                    .await
                    .map_err(|error| file_error(path, error))?;
                self.events.emit(BuildEvent::File { path: path.to_owned(), change }).await;
                Ok(ToolOutcome {
                    changed_files: true,
                    ..plain(format!("wrote {} bytes to {path}", content.len()))
                })
            }
            REPLACE_IN_FILE => {
                let path = text(input, "path")?;
                let (old_text, new_text) = (text(input, "old_text")?, text(input, "new_text")?);
                self.activity(ActivityKind::WritingCode, path).await;
                let bytes = self.sandbox.read_file(path).await.map_err(|error| file_error(path, error))?;
                let current = String::from_utf8(bytes).map_err(|_| format!("{path} is not a text file"))?;
                match current.matches(old_text).count() {
                    0 => return Err(format!("old_text was not found in {path}")),
                    1 => {}
                    many => {
                        return Err(format!("old_text occurs {many} times in {path}; include more context"))
                    }
                }
                let replaced = current.replacen(old_text, new_text, 1);
                self.sandbox
                    .write_file(path, replaced.as_bytes())
                    .await
                    .map_err(|error| file_error(path, error))?;
                self.events
                    .emit(BuildEvent::File { path: path.to_owned(), change: FileChange::Modified })
                    .await;
                Ok(ToolOutcome { changed_files: true, ..plain(format!("replaced one occurrence in {path}")) })
            }
            LIST_FILES => {
                let pattern = input.get("pattern").and_then(Value::as_str).unwrap_or("**");
                self.activity(ActivityKind::Reading, pattern).await;
                let listing = self
                    .sandbox
                    .list_files(pattern, self.stop.child_token())
                    .await
                    .map_err(|error| error.to_string())?;
                let mut listed: Vec<String> = listing
                    .entries
                    .iter()
                    .filter(|entry| !entry.is_dir)
                    .map(|entry| format!("{} ({} bytes)", entry.path, entry.size_bytes))
                    .collect();
                if listed.is_empty() {
                    listed.push("no files match".into());
                }
                if listing.is_cut {
                    listed.push(format!(
                        "[only the first {} matches are listed; narrow the pattern]",
                        listing.entries.len()
                    ));
                }
                Ok(plain(listed.join("\n")))
            }
            other => Err(format!("there is no tool named {other}")),
        }
    }

    async fn run_command(&self, command: &str, is_test_run: bool) -> Result<ToolOutcome, String> {
        let activity = if is_test_run {
            ActivityKind::RunningTests
        } else if command.contains("git commit") {
            ActivityKind::Committing
        } else {
            ActivityKind::RunningCommand
        };
        self.activity(activity, command).await;
        let (sender, mut receiver) = mpsc::channel(256);
        let events = self.events.clone();
        // Every line goes to the log; the last KEPT_LINES stay for the model.
        let collector = tokio::spawn(async move {
            let mut kept: std::collections::VecDeque<String> = std::collections::VecDeque::new();
            while let Some(output) = receiver.recv().await {
                let line = match output {
                    CommandOutput::Line(line) => line,
                    CommandOutput::Egress(record) => {
                        events.emit(egress_event(record)).await;
                        continue;
                    }
                };
                let stream = match line.stream {
                    OutputStream::Stdout => LogStream::Stdout,
                    OutputStream::Stderr => LogStream::Stderr,
                };
                events.emit(BuildEvent::Log { stream, line: line.text.clone() }).await;
                if kept.len() == KEPT_LINES {
                    kept.pop_front();
                }
                kept.push_back(line.text);
            }
            Vec::from(kept)
        });
        let outcome = self.sandbox.run(command, sender, self.stop.child_token()).await;
        let output = collector.await.unwrap_or_default();
        let outcome = outcome.map_err(|error| {
            self.metrics.count_command(CommandOutcome::NotRun);
            format!("the command could not run: {error}")
        })?;
        self.metrics.count_command(
            match (outcome.succeeded(), outcome.exit_code, outcome.timed_out, outcome.cancelled) {
                (true, ..) => CommandOutcome::Succeeded,
                (false, Some(_), ..) => CommandOutcome::Failed,
                (false, None, true, _) => CommandOutcome::TimedOut,
                (false, None, _, true) => CommandOutcome::Cancelled,
                (false, None, ..) => CommandOutcome::Killed,
            },
        );

        let exit = match (outcome.exit_code, outcome.timed_out, outcome.cancelled) {
            (Some(code), ..) => code.to_string(),
            (None, true, _) => "none (timed out)".into(),
            (None, _, true) => "none (cancelled)".into(),
            (None, ..) => "none (killed: a resource limit)".into(),
        };
        let mut content = format!("{EXIT_CODE_LINE}{exit}\n{}", output.join("\n"));
        if outcome.is_output_truncated {
            content.push_str("\n[the output was longer than the sandbox's limit and was cut]");
        }
        let test_run = is_test_run.then(|| {
            let (passed, failed) =
                count_tests(&output).unwrap_or(if outcome.succeeded() { (0, 0) } else { (0, 1) });
            TestRunRecord {
                command: command.to_owned(),
                succeeded: outcome.succeeded(),
                output,
                passed,
                failed,
            }
        });
        if let Some(run) = &test_run {
            self.events
                .emit(BuildEvent::TestRun {
                    command: command.to_owned(),
                    passed: run.passed,
                    failed: run.failed,
                    exit_code: outcome.exit_code,
                    duration_ms: outcome.duration.as_millis() as i64,
                })
                .await;
        }
        Ok(ToolOutcome { content, is_error: !outcome.succeeded(), test_run, changed_files: !is_test_run })
    }

    async fn activity(&self, activity: ActivityKind, detail: &str) {
        self.events.emit(BuildEvent::Activity { activity, detail: detail.to_owned() }).await;
    }
}

pub(crate) fn egress_event(record: EgressRecord) -> BuildEvent {
    let (verdict, reason) = match record.outcome {
        EgressOutcome::Allowed => (EgressVerdict::Allowed, None),
        EgressOutcome::Denied(reason) => (EgressVerdict::Denied, Some(reason)),
        EgressOutcome::Failed(reason) => (EgressVerdict::Failed, Some(reason)),
    };
    BuildEvent::Egress { host: record.host, port: i32::from(record.port), verdict, reason }
}

fn plain(content: String) -> ToolOutcome {
    ToolOutcome { content, is_error: false, test_run: None, changed_files: false }
}

fn text<'v>(input: &'v Value, field: &str) -> Result<&'v str, String> {
    input.get(field).and_then(Value::as_str).ok_or_else(|| format!("the tool needs a text field \"{field}\""))
}

fn file_error(path: &str, error: SandboxError) -> String {
    match error {
        SandboxError::NotFound(_) => format!("{path} does not exist"),
        SandboxError::OutsideWorkDir(_) => format!("{path} is outside the project directory"),
        // These name the path themselves.
        error @ (SandboxError::NotAFile(_) | SandboxError::FileTooLarge { .. }) => error.to_string(),
        other => format!("{path}: {other}"),
    }
}

/// What a tool call is about, in one line: the command or the path.
fn summary(call: &ToolCall) -> String {
    let field = match call.name.as_str() {
        RUN_COMMAND => "command",
        LIST_FILES => "pattern",
        _ => "path",
    };
    let text = call.input.get(field).and_then(Value::as_str).unwrap_or_default();
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// `text` cut to at most `limit` characters: its start and its end (where
/// errors and summaries are), with a note of what was left out.
pub fn shorten(text: &str, limit: usize) -> String {
    let count = text.chars().count();
    if count <= limit {
        return text.to_owned();
    }
    let head = limit / 4;
    let tail = limit - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}\n[… {} characters left out …]\n{end}", count - head - tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_results_keep_their_start_and_end() {
        let text = format!("{}{}", "a".repeat(1000), "z".repeat(1000));
        let short = shorten(&text, 100);
        assert!(short.starts_with("aaaa") && short.ends_with("zzzz"), "{short}");
        assert!(short.contains("1900 characters left out"), "{short}");
        assert_eq!(shorten("short", 100), "short");
    }
}
