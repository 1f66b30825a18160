//! Shared set-up for the offline agent's tests: requests as the harness
//! sends them, a scripted session whose tool results the test writes, and a
//! work directory where the agent's tool calls really run, with the file
//! system and real processes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use agent_protocol::harness::{
    tool_definitions, AGENT_SYSTEM_HEADING, CODING, EXIT_CODE_LINE, FEATURE_INDEX_LINE, INITIALIZER,
    LIST_FILES, READ_FILE, REPLACE_IN_FILE, RUN_COMMAND, SESSION_LINE, SPEC_FILE, WRITE_FILE,
};
use agent_protocol::llm::{
    collect_reply, CollectedReply, CompletionRequest, ContentBlock, LlmProvider, Message, Role, StopReason,
};

use super::stack::PROBE_COMMAND;
use super::OfflineAgent;

/// More turns than any session of the agent takes; a loop would stop here.
const MAX_TURNS: usize = 12;

pub fn build_request(messages: Vec<Message>) -> CompletionRequest {
    CompletionRequest {
        system: format!("{AGENT_SYSTEM_HEADING}\nFollow the session's instructions."),
        messages,
        tools: tool_definitions(),
        max_tokens: 8_192,
    }
}

pub fn initializer_opening() -> String {
    format!("{SESSION_LINE}{INITIALIZER}\nRead {SPEC_FILE} and plan the app.")
}

pub fn coding_opening(feature_index: usize) -> String {
    format!("{SESSION_LINE}{CODING}\n{FEATURE_INDEX_LINE}{feature_index}\nBuild this feature.")
}

pub async fn reply_to(request: CompletionRequest) -> CollectedReply {
    let events = OfflineAgent::new(Duration::ZERO).stream(request).await.expect("the offline agent answers");
    collect_reply(events).await.expect("the offline agent's stream has no errors")
}

fn assistant_message(reply: &CollectedReply) -> Message {
    let mut content = Vec::new();
    if !reply.text.is_empty() {
        content.push(ContentBlock::Text(reply.text.clone()));
    }
    content.extend(reply.tool_calls.iter().cloned().map(ContentBlock::ToolUse));
    Message { role: Role::Assistant, content }
}

/// The content a reply writes to `path`, if it does.
pub fn written(reply: &CollectedReply, path: &str) -> Option<String> {
    reply.tool_calls.iter().find_map(|call| {
        let is_write_of = call.name == WRITE_FILE && call.input["path"] == path;
        is_write_of.then(|| call.input["content"].as_str().unwrap_or_default().to_owned())
    })
}

/// The command lines of a reply's `run_command` calls.
pub fn commands(reply: &CollectedReply) -> Vec<String> {
    reply
        .tool_calls
        .iter()
        .filter(|call| call.name == RUN_COMMAND)
        .filter_map(|call| call.input["command"].as_str().map(str::to_owned))
        .collect()
}

/// A session whose tool results the test writes.
pub struct Script {
    messages: Vec<Message>,
}

impl Script {
    pub fn new(opening: &str) -> Self {
        Self { messages: vec![Message::user(opening)] }
    }

    /// The agent's next reply, added to the conversation.
    pub async fn next(&mut self) -> CollectedReply {
        let reply = reply_to(build_request(self.messages.clone())).await;
        self.messages.push(assistant_message(&reply));
        reply
    }

    /// Answers the last reply's calls, in order, as successes.
    pub fn answer(&mut self, results: &[&str]) {
        self.answer_with(results.iter().map(|result| (*result, false)).collect());
    }

    /// Answers the last reply's calls, in order, each with `(content, is_error)`.
    pub fn answer_with(&mut self, results: Vec<(&str, bool)>) {
        let calls: Vec<String> = self
            .messages
            .last()
            .map(|message| {
                message
                    .content
                    .iter()
                    .filter_map(|block| match block {
                        ContentBlock::ToolUse(call) => Some(call.id.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(calls.len(), results.len(), "one result per call");
        let content = calls
            .into_iter()
            .zip(results)
            .map(|(id, (content, is_error))| ContentBlock::ToolResult {
                tool_use_id: id,
                content: content.to_owned(),
                is_error,
            })
            .collect();
        self.messages.push(Message { role: Role::User, content });
    }
}

/// A fresh directory under the system's temp dir, removed when dropped,
/// where the agent's tool calls run for real.
pub struct WorkDir {
    path: PathBuf,
    /// Answers the sandbox probe instead of running it, to pretend a tool is missing.
    probe_output: Option<String>,
}

impl WorkDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("offline-agent-{label}-{}-{unique}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create the work directory");
        Self { path, probe_output: None }
    }

    /// The sandbox probe answers `found` (one path a line) instead of what this machine has.
    pub fn pretending_the_sandbox_has(mut self, found: &str) -> Self {
        self.probe_output = Some(found.to_owned());
        self
    }

    pub fn write(&self, path: &str, content: &str) {
        fs::write(self.path.join(path), content).expect("write a file of the work directory");
    }

    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.path.join(path)).expect("read a file of the work directory")
    }

    pub fn has(&self, path: &str) -> bool {
        self.path.join(path).exists()
    }

    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        Command::new(program).args(args).current_dir(&self.path).output().expect("start the program")
    }

    /// Runs a whole session, carrying out every tool call, and answers the agent's closing text.
    pub async fn run_session(&self, opening: &str) -> String {
        let mut messages = vec![Message::user(opening)];
        for _ in 0..MAX_TURNS {
            let reply = reply_to(build_request(messages.clone())).await;
            messages.push(assistant_message(&reply));
            if reply.stop_reason != Some(StopReason::ToolUse) {
                return reply.text;
            }
            let results = reply
                .tool_calls
                .iter()
                .map(|call| {
                    let (content, is_error) = self.execute(&call.name, &call.input);
                    ContentBlock::ToolResult { tool_use_id: call.id.clone(), content, is_error }
                })
                .collect();
            messages.push(Message { role: Role::User, content: results });
        }
        panic!("the session did not end within {MAX_TURNS} turns");
    }

    /// Carries out one tool call like the harness: `(result, is_error)`.
    fn execute(&self, tool: &str, input: &Value) -> (String, bool) {
        let text = |key: &str| input[key].as_str().unwrap_or_default().to_owned();
        match tool {
            RUN_COMMAND => {
                let command = text("command");
                if let (true, Some(found)) = (command == PROBE_COMMAND, &self.probe_output) {
                    return (format!("{EXIT_CODE_LINE}1\n{found}"), false);
                }
                let output = self.run("sh", &["-c", &command]);
                let code =
                    output.status.code().map_or_else(|| "none (killed)".to_owned(), |code| code.to_string());
                let printed = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                (format!("{EXIT_CODE_LINE}{code}\n{printed}"), false)
            }
            READ_FILE => match fs::read_to_string(self.path.join(text("path"))) {
                Ok(content) => (content, false),
                Err(error) => (error.to_string(), true),
            },
            WRITE_FILE => {
                let path = self.path.join(text("path"));
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).expect("create the file's directories");
                }
                fs::write(&path, text("content")).expect("write the file");
                ("Written.".to_owned(), false)
            }
            REPLACE_IN_FILE => {
                let path = self.path.join(text("path"));
                let content = fs::read_to_string(&path).unwrap_or_default();
                let old_text = text("old_text");
                if content.matches(&old_text).count() != 1 {
                    return ("old_text must occur exactly once".to_owned(), true);
                }
                fs::write(&path, content.replacen(&old_text, &text("new_text"), 1)).expect("write the file");
                ("Replaced.".to_owned(), false)
            }
            LIST_FILES => (files_under(&self.path, &self.path).join("\n"), false),
            other => (format!("there is no tool {other}"), true),
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Paths relative to `root`, sorted, without version-control and cache folders.
pub fn files_under(root: &Path, dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if ![".git", "node_modules", "__pycache__"].contains(&name.as_str()) {
                files.extend(files_under(root, &path));
            }
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    files.sort();
    files
}

/// Whether `program` can be started here.
pub fn has_program(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|output| output.status.success())
}
