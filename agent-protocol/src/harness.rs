//! What the harness and any model driving it agree on: the tools, the files
//! in the work directory, how sessions are introduced and how tool results
//! read. The built-in offline agent reads the same conventions, so it
//! drives the very same harness a real model does.

use serde_json::json;

use crate::llm::ToolDefinition;

/// The first line of the build agent's system prompt.
pub const AGENT_SYSTEM_HEADING: &str = "You are the build agent of the Autonomous Agents Platform.";

/// The spec, written by the harness before the first session.
pub const SPEC_FILE: &str = "app_spec.txt";
/// The features with their test steps; `passes` flips to true when done.
pub const FEATURE_LIST_FILE: &str = "feature_list.json";
/// Notes one session leaves for the next (each starts with a fresh context).
pub const PROGRESS_FILE: &str = "agent-progress.md";
pub const INIT_SCRIPT: &str = "init.sh";
/// How the app is started for its live preview: `{"command": "...", "port": 3000}`
/// (the server reads it in `previews::manifest`).
pub const PREVIEW_FILE: &str = "preview.json";

/// The first line of a session's first user message: `Session: initializer`
/// or `Session: coding`. A coding session names its feature on the next
/// line: `Feature index: 3`.
pub const SESSION_LINE: &str = "Session: ";
pub const FEATURE_INDEX_LINE: &str = "Feature index: ";
pub const INITIALIZER: &str = "initializer";
pub const CODING: &str = "coding";

pub const RUN_COMMAND: &str = "run_command";
pub const READ_FILE: &str = "read_file";
pub const WRITE_FILE: &str = "write_file";
pub const REPLACE_IN_FILE: &str = "replace_in_file";
pub const LIST_FILES: &str = "list_files";

/// A `run_command` result starts with this line: `exit code: 0`, or
/// `exit code: none (timed out)` when the command was killed.
pub const EXIT_CODE_LINE: &str = "exit code: ";

/// The tools every session offers, with their input schemas.
pub fn tool_definitions() -> Vec<ToolDefinition> {
    vec![
        ToolDefinition {
            name: RUN_COMMAND.into(),
            description: "Runs a shell command (sh -c) in the project directory inside the sandbox and \
                answers its exit code and output (long output is shortened). Set is_test_run when \
                the command runs the project's tests, so the platform records the result."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "command": { "type": "string", "description": "The command line." },
                    "is_test_run": { "type": "boolean", "description": "True when it runs the tests." }
                },
                "required": ["command"]
            }),
        },
        ToolDefinition {
            name: READ_FILE.into(),
            description: "Reads a text file of the project (path relative to the project directory).".into(),
            input_schema: json!({
                "type": "object",
                "properties": { "path": { "type": "string" } },
                "required": ["path"]
            }),
        },
        ToolDefinition {
            name: WRITE_FILE.into(),
            description: "Writes a whole file, creating it and its directories when missing.".into(),
            input_schema: json!({
                "type": "object",
                "properties": { "path": { "type": "string" }, "content": { "type": "string" } },
                "required": ["path", "content"]
            }),
        },
        ToolDefinition {
            name: REPLACE_IN_FILE.into(),
            description: "Replaces one exact occurrence of old_text in a file with new_text. Fails when \
                old_text is missing or occurs more than once."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "path": { "type": "string" },
                    "old_text": { "type": "string" },
                    "new_text": { "type": "string" }
                },
                "required": ["path", "old_text", "new_text"]
            }),
        },
        ToolDefinition {
            name: LIST_FILES.into(),
            description: "Lists the project's files, optionally only those matching a glob pattern \
                such as src/**/*.js (.git is never listed)."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": { "pattern": { "type": "string" } }
            }),
        },
    ]
}
