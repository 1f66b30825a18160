//! Reads what the offline agent needs from a session's conversation: which
//! session it is, how many turns it has taken, and what its calls returned.
//! The agent keeps no state between replies, so this is its only memory.

use std::collections::BTreeSet;

use agent_protocol::harness::{
    CODING, EXIT_CODE_LINE, FEATURE_INDEX_LINE, INITIALIZER, LIST_FILES, READ_FILE, RUN_COMMAND, SESSION_LINE,
};
use agent_protocol::llm::{ContentBlock, Message, Role, ToolCall};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    Initializer,
    Coding { feature_index: usize },
}

/// What the harness sent back for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallResult<'a> {
    pub content: &'a str,
    pub is_error: bool,
}

pub struct Conversation<'a> {
    messages: &'a [Message],
}

impl<'a> Conversation<'a> {
    pub fn new(messages: &'a [Message]) -> Self {
        Self { messages }
    }

    /// The session named by the first user message, or why it cannot be read.
    pub fn session(&self) -> Result<Session, String> {
        let opening = self.messages.iter().find(|message| message.role == Role::User).map(Message::text);
        let opening = opening.unwrap_or_default();
        let mut kind = None;
        let mut feature_index = None;
        for line in opening.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix(SESSION_LINE) {
                kind = kind.or(Some(rest.trim().to_owned()));
            } else if let Some(rest) = line.strip_prefix(FEATURE_INDEX_LINE) {
                feature_index = feature_index.or(Some(rest.trim().to_owned()));
            }
        }
        match kind.as_deref() {
            Some(INITIALIZER) => Ok(Session::Initializer),
            Some(CODING) => match feature_index.as_deref().map(str::parse::<usize>) {
                Some(Ok(feature_index)) => Ok(Session::Coding { feature_index }),
                Some(Err(_)) | None => Err(format!(
                    "This coding session does not say which feature to build: its first message needs a line \
                     `{FEATURE_INDEX_LINE}N`."
                )),
            },
            Some(other) => Err(format!(
                "I do not know the session `{other}`; I run `{INITIALIZER}` and `{CODING}` sessions."
            )),
            None => Err(format!(
                "The first message does not say which session this is: it needs a line \
                 `{SESSION_LINE}{INITIALIZER}` or `{SESSION_LINE}{CODING}`."
            )),
        }
    }

    /// How many replies the agent has given in this session so far.
    pub fn turns_taken(&self) -> usize {
        self.messages.iter().filter(|message| message.role == Role::Assistant).count()
    }

    /// The result of the latest call that `matches`, once the harness answered it.
    pub fn latest_result(&self, matches: impl Fn(&ToolCall) -> bool) -> Option<CallResult<'a>> {
        let calls: Vec<&ToolCall> = self.calls_in(self.messages).collect();
        calls.into_iter().rev().filter(|call| matches(call)).find_map(|call| self.result_for(&call.id))
    }

    /// The calls of the agent's last turn that came back as errors, with their messages.
    pub fn failed_calls_of_last_turn(&self) -> Vec<(&'a ToolCall, &'a str)> {
        let Some(last) = self.messages.iter().rposition(|message| message.role == Role::Assistant) else {
            return Vec::new();
        };
        self.calls_in(&self.messages[last..=last])
            .filter_map(|call| match self.result_for(&call.id) {
                Some(result) if result.is_error => Some((call, result.content)),
                _ => None,
            })
            .collect()
    }

    fn calls_in(&self, messages: &'a [Message]) -> impl Iterator<Item = &'a ToolCall> {
        messages.iter().filter(|message| message.role == Role::Assistant).flat_map(|message| {
            message.content.iter().filter_map(|block| match block {
                ContentBlock::ToolUse(call) => Some(call),
                _ => None,
            })
        })
    }

    fn result_for(&self, id: &str) -> Option<CallResult<'a>> {
        self.messages.iter().filter(|message| message.role == Role::User).find_map(|message| {
            message.content.iter().find_map(|block| match block {
                ContentBlock::ToolResult { tool_use_id, content, is_error } if tool_use_id == id => {
                    Some(CallResult { content: content.as_str(), is_error: *is_error })
                }
                _ => None,
            })
        })
    }
}

/// The command line of a `run_command` call.
pub fn command_of(call: &ToolCall) -> Option<&str> {
    (call.name == RUN_COMMAND).then(|| call.input.get("command")?.as_str()).flatten()
}

pub fn is_command(call: &ToolCall, command: &str) -> bool {
    command_of(call) == Some(command)
}

pub fn is_test_run(call: &ToolCall) -> bool {
    call.name == RUN_COMMAND && call.input.get("is_test_run").and_then(|flag| flag.as_bool()) == Some(true)
}

pub fn is_read_of(call: &ToolCall, path: &str) -> bool {
    call.name == READ_FILE && call.input.get("path").and_then(|value| value.as_str()) == Some(path)
}

pub fn is_file_listing(call: &ToolCall) -> bool {
    call.name == LIST_FILES
}

/// The exit code on the first line of a `run_command` result; `None` when
/// the command was killed (`exit code: none (timed out)`) or the line is missing.
pub fn exit_code(result: &str) -> Option<i32> {
    let first_line = result.lines().next()?;
    first_line.strip_prefix(EXIT_CODE_LINE)?.trim().parse().ok()
}

/// What a command printed: a `run_command` result after its exit code line.
pub fn command_output(result: &str) -> &str {
    if !result.starts_with(EXIT_CODE_LINE) {
        return result;
    }
    result.split_once('\n').map_or("", |(_, rest)| rest)
}

/// The paths named in a `list_files` result, read leniently: one per line,
/// or separated by commas, quotes or brackets, with any leading `./`.
pub fn listed_paths(listing: &str) -> BTreeSet<String> {
    listing
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '[' | ']'))
        .map(|token| token.trim_start_matches("./"))
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_is_read_from_the_first_line() {
        assert_eq!(exit_code("exit code: 0\nok"), Some(0));
        assert_eq!(exit_code("exit code: 127\nsh: node: not found"), Some(127));
        assert_eq!(exit_code("exit code: none (timed out)\n..."), None);
        assert_eq!(exit_code("something else"), None);
    }

    #[test]
    fn command_output_drops_the_exit_code_line() {
        assert_eq!(command_output("exit code: 0\n/usr/bin/node\n"), "/usr/bin/node\n");
        assert_eq!(command_output("exit code: 0"), "");
        assert_eq!(command_output("no header"), "no header");
    }

    #[test]
    fn coding_session_names_its_feature() {
        let messages = [Message::user("Session: coding\nFeature index: 3\nBuild it.")];
        assert_eq!(Conversation::new(&messages).session(), Ok(Session::Coding { feature_index: 3 }));
    }

    #[test]
    fn a_coding_session_without_a_feature_index_is_not_understood() {
        let messages = [Message::user("Session: coding\nBuild something.")];
        assert!(Conversation::new(&messages).session().is_err());
    }

    #[test]
    fn listed_paths_accept_lines_and_json_arrays() {
        let from_lines = listed_paths("package.json\n./src/app.js\n");
        let from_json = listed_paths(r#"["package.json", "src/app.js"]"#);
        assert_eq!(from_lines, from_json);
        assert!(from_lines.contains("src/app.js"));
    }
}
