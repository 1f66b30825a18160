//! One turn of the offline agent: what it says, and the tool calls it makes
//! (none when it ends the session).

use serde_json::{json, Value};

use agent_protocol::harness::{LIST_FILES, READ_FILE, REPLACE_IN_FILE, RUN_COMMAND, WRITE_FILE};

/// A tool call before it has an id; ids are given when the turn is streamed.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub name: &'static str,
    pub input: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentTurn {
    pub text: String,
    pub calls: Vec<PlannedCall>,
}

impl AgentTurn {
    /// A turn that says what it is doing and asks for tools to run.
    pub fn act(text: impl Into<String>, calls: Vec<PlannedCall>) -> Self {
        Self { text: text.into(), calls }
    }

    /// A plain reply, which ends the session.
    pub fn finish(text: impl Into<String>) -> Self {
        Self { text: text.into(), calls: Vec::new() }
    }
}

pub fn run_command(command: &str) -> PlannedCall {
    PlannedCall { name: RUN_COMMAND, input: json!({ "command": command }) }
}

/// A command that runs the project's tests, so the platform records the result.
pub fn run_tests(command: &str) -> PlannedCall {
    PlannedCall { name: RUN_COMMAND, input: json!({ "command": command, "is_test_run": true }) }
}

pub fn read_file(path: &str) -> PlannedCall {
    PlannedCall { name: READ_FILE, input: json!({ "path": path }) }
}

pub fn write_file(path: &str, content: &str) -> PlannedCall {
    PlannedCall { name: WRITE_FILE, input: json!({ "path": path, "content": content }) }
}

pub fn replace_in_file(path: &str, old_text: &str, new_text: &str) -> PlannedCall {
    PlannedCall {
        name: REPLACE_IN_FILE,
        input: json!({ "path": path, "old_text": old_text, "new_text": new_text }),
    }
}

pub fn list_files() -> PlannedCall {
    PlannedCall { name: LIST_FILES, input: json!({}) }
}

/// `text` as one single-quoted word for `sh`.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_single_quotes() {
        assert_eq!(shell_quote("it's done"), r"'it'\''s done'");
    }
}
