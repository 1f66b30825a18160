//! The agent harness: one session of the two-agent pattern (the initializer,
//! or a coding session on one feature), as a conversation with the model in
//! which it calls tools until it ends its turn. Each session starts with a
//! fresh context; what carries over lives in the work directory.

pub mod guard;
pub mod prompts;
pub mod test_results;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use app::model::builds::{ActivityKind, BuildEvent, Severity};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use self::guard::LoopGuard;
use self::tools::Tools;
use crate::builds::build_metrics::BuildMetrics;
use crate::builds::events::EventSink;
use crate::llm::{
    CompletionRequest, ContentBlock, LlmProvider, Message, ProviderError, Role, StopReason, StreamEvent,
    ToolCall, Usage,
};
use crate::sandbox::Sandbox;

/// How far one session may go.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub max_turns: u32,
    /// Output tokens per model response.
    pub max_tokens: u32,
    /// Repeats of a call or a failure that end the session.
    pub loop_repeats: u32,
    /// Characters of a tool result the model sees.
    pub tool_result_chars: usize,
}

pub struct Session<'a> {
    pub sandbox: &'a dyn Sandbox,
    pub provider: &'a Arc<dyn LlmProvider>,
    pub events: &'a EventSink,
    pub stop: &'a CancellationToken,
    pub metrics: &'a BuildMetrics,
    pub limits: SessionLimits,
    /// Tokens the build may still use; the session ends when it is spent.
    pub tokens_left: u64,
}

/// How a session ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// The model ended its turn.
    Finished,
    TurnLimit,
    /// The loop guard stopped it; the reason in words.
    Looping(String),
    TokenBudget,
    /// The build's working time ran out in the middle of the session.
    TimeLimit,
    /// Cancelled, paused or the server is stopping.
    Stopped,
    /// The provider is rate limited or overloaded: try again after `wait`,
    /// the time it asked for, if it named one.
    ProviderBusy {
        wait: Option<Duration>,
        message: String,
    },
    /// The provider refused the request; another session would fare the same.
    ProviderRefused(String),
    /// The reply failed midway (a dropped connection, a timeout).
    ProviderFailed(String),
    /// The build filled its disk; the reason in words.
    DiskFull(String),
}

/// Lines of one reply the build's log shows, and characters of each: the
/// log is for following the agent, and a model steered to write thousands
/// of lines (by a file in the build, say) must not fill it.
const LOGGED_REPLY_LINES: usize = 200;
const LOGGED_LINE_CHARS: usize = 2_000;

/// A reply's non-blank lines as the log shows them, each `agent: `, with a
/// note of the lines left out.
fn reply_log_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).collect();
    let mut logged: Vec<String> = lines
        .iter()
        .take(LOGGED_REPLY_LINES)
        .map(|line| match line.char_indices().nth(LOGGED_LINE_CHARS) {
            Some((cut, _)) => format!("agent: {}…", &line[..cut]),
            None => format!("agent: {line}"),
        })
        .collect();
    if lines.len() > LOGGED_REPLY_LINES {
        logged.push(format!(
            "agent: … {} more lines of this reply are not shown",
            lines.len() - LOGGED_REPLY_LINES
        ));
    }
    logged
}

#[derive(Debug)]
pub struct SessionReport {
    pub end: SessionEnd,
    pub usage: Usage,
    pub model: String,
    pub turns: u32,
    /// The last test run: passed, failed.
    pub last_tests: Option<(i32, i32)>,
}

impl Session<'_> {
    /// Runs the session that `opening` introduces until the model ends it or
    /// a limit does.
    pub async fn run(&self, opening: String) -> SessionReport {
        let mut report = SessionReport {
            end: SessionEnd::TurnLimit,
            usage: Usage::default(),
            model: String::new(),
            turns: 0,
            last_tests: None,
        };
        let mut messages = vec![Message::user(opening)];
        let mut guard = LoopGuard::new(self.limits.loop_repeats);
        let tools = Tools {
            sandbox: self.sandbox,
            events: self.events,
            stop: self.stop,
            metrics: self.metrics,
            result_limit: self.limits.tool_result_chars,
        };
        while report.turns < self.limits.max_turns {
            if self.stop.is_cancelled() {
                report.end = SessionEnd::Stopped;
                return report;
            }
            if report.usage.input_tokens + report.usage.output_tokens >= self.tokens_left {
                report.end = SessionEnd::TokenBudget;
                return report;
            }
            report.turns += 1;
            self.events
                .emit(BuildEvent::Activity { activity: ActivityKind::Thinking, detail: String::new() })
                .await;
            let reply = match self.ask(&messages, &mut report).await {
                Ok(reply) => reply,
                Err(end) => {
                    report.end = end;
                    return report;
                }
            };
            for line in reply_log_lines(&reply.text) {
                self.events.emit(BuildEvent::system_log(line)).await;
            }
            let mut content: Vec<ContentBlock> = Vec::new();
            if !reply.text.is_empty() {
                content.push(ContentBlock::Text(reply.text.clone()));
            }
            content.extend(reply.tool_calls.iter().cloned().map(ContentBlock::ToolUse));
            messages.push(Message { role: Role::Assistant, content });
            if reply.tool_calls.is_empty() {
                report.end = SessionEnd::Finished;
                return report;
            }
            let mut results = Vec::new();
            for call in &reply.tool_calls {
                if let Some(reason) = guard.check_call(call) {
                    report.end = self.looping(reason).await;
                    return report;
                }
                if self.stop.is_cancelled() {
                    report.end = SessionEnd::Stopped;
                    return report;
                }
                let outcome = tools.execute(call).await;
                // A write that failed may have filled the disk as surely as one that did not.
                if let Some(reason) = self.disk_full().await {
                    report.end = SessionEnd::DiskFull(reason);
                    return report;
                }
                if let Some(run) = &outcome.test_run {
                    report.last_tests = Some((run.passed, run.failed));
                    if let Some(reason) = guard.check_test_run(&run.command, run.succeeded, &run.output) {
                        report.end = self.looping(reason).await;
                        return report;
                    }
                }
                results.push(ContentBlock::ToolResult {
                    tool_use_id: call.id.clone(),
                    content: outcome.content,
                    is_error: outcome.is_error,
                });
            }
            messages.push(Message { role: Role::User, content: results });
        }
        self.events
            .emit(BuildEvent::Error {
                severity: Severity::Warning,
                message: format!("The session reached its limit of {} turns.", self.limits.max_turns),
                recovered: true,
            })
            .await;
        report
    }

    /// Why the build cannot go on, when its disk is full.
    async fn disk_full(&self) -> Option<String> {
        let usage = self.sandbox.disk_usage().await.filter(|usage| usage.is_full())?;
        let megabytes = |bytes: u64| bytes / (1024 * 1024);
        let what = if usage.free_inodes == 0 { "room for another file" } else { "space" };
        let reason = format!(
            "The build filled its disk: {} MB of its {} MB are used and no {what} is left \
             (SANDBOX_DISK_MB). Its work is kept; start a new build, or ask for a larger quota.",
            megabytes(usage.used_bytes),
            megabytes(usage.total_bytes)
        );
        self.events
            .emit(BuildEvent::Error { severity: Severity::Error, message: reason.clone(), recovered: false })
            .await;
        Some(reason)
    }

    async fn looping(&self, reason: String) -> SessionEnd {
        self.events
            .emit(BuildEvent::Error {
                severity: Severity::Warning,
                message: format!("Loop guard: {reason}; ending the session."),
                recovered: true,
            })
            .await;
        SessionEnd::Looping(reason)
    }

    /// One model response, streamed: text and tool calls, usage added to
    /// the report as it arrives. What the reply used goes to the build's
    /// row now, not when the session ends: a server killed in the middle of
    /// a session would otherwise leave its tokens out of the build's
    /// budget and cost.
    async fn ask(&self, messages: &[Message], report: &mut SessionReport) -> Result<Reply, SessionEnd> {
        let mut used = Usage::default();
        let answer = self.read_reply(messages, report, &mut used).await;
        self.events.spend(used).await;
        answer
    }

    async fn read_reply(
        &self,
        messages: &[Message],
        report: &mut SessionReport,
        used: &mut Usage,
    ) -> Result<Reply, SessionEnd> {
        let request = CompletionRequest {
            system: prompts::system_prompt(),
            messages: messages.to_vec(),
            tools: agent_protocol::harness::tool_definitions(),
            max_tokens: self.limits.max_tokens,
        };
        let before = report.usage;
        let mut events = tokio::select! {
            _ = self.stop.cancelled() => return Err(SessionEnd::Stopped),
            stream = self.provider.stream(request) => stream.map_err(|error| self.provider_end(error))?,
        };
        let mut reply = Reply::default();
        loop {
            let event = tokio::select! {
                _ = self.stop.cancelled() => return Err(SessionEnd::Stopped),
                event = events.next() => event,
            };
            match event {
                Some(Ok(StreamEvent::Started { model })) => report.model = model,
                Some(Ok(StreamEvent::TextDelta(text))) => reply.text.push_str(&text),
                Some(Ok(StreamEvent::ToolCall(call))) => reply.tool_calls.push(call),
                Some(Ok(StreamEvent::Usage(usage))) => {
                    // A reply's usage so far, not an increment.
                    let usage = usage.capped();
                    *used = usage;
                    report.usage = before + usage;
                }
                Some(Ok(StreamEvent::Finished(reason))) => {
                    if reason == StopReason::MaxTokens && reply.tool_calls.is_empty() {
                        tracing::debug!("an agent turn reached max_tokens");
                    }
                    return Ok(reply);
                }
                Some(Err(error)) => return Err(self.provider_end(error)),
                None => return Ok(reply),
            }
        }
    }

    fn provider_end(&self, error: ProviderError) -> SessionEnd {
        match error {
            ProviderError::Unavailable { status, retry_after, ref message, .. }
                if matches!(status, 429 | 529) =>
            {
                SessionEnd::ProviderBusy {
                    wait: retry_after,
                    message: format!(
                        "the model provider is rate limited or overloaded (HTTP {status}): {message}"
                    ),
                }
            }
            ProviderError::Rejected { .. } => SessionEnd::ProviderRefused(error.to_string()),
            other => SessionEnd::ProviderFailed(other.to_string()),
        }
    }
}

#[derive(Default)]
struct Reply {
    text: String,
    tool_calls: Vec<ToolCall>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_of_thousands_of_lines_logs_a_bounded_few() {
        let long_line = "é".repeat(5_000);
        let text = format!("{long_line}\n\n{}", "step\n".repeat(20_000));
        let logged = reply_log_lines(&text);
        assert_eq!(logged.len(), LOGGED_REPLY_LINES + 1);
        assert_eq!(logged[0].chars().count(), "agent: ".len() + LOGGED_LINE_CHARS + 1, "cut at a character");
        assert_eq!(logged[1], "agent: step");
        assert_eq!(logged[LOGGED_REPLY_LINES], "agent: … 19801 more lines of this reply are not shown");
        assert_eq!(reply_log_lines("one\n  \ntwo"), ["agent: one", "agent: two"]);
    }
}
