//! The built-in offline agent: a deterministic model, no network, no key,
//! that drives the very same harness and tools a real model does. It reads
//! the conversation (the session's opening, the tool results so far) and
//! answers the next step: plan features from the spec, write a small app
//! with tests, run them for real, mark features, commit. Everything a build
//! shows comes from what these steps really did in the sandbox.

mod app_files;
mod plan;

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{json, Value};

use self::app_files::{feature_files, registry, skeleton, slug, Stack};
use self::plan::{plan_features, PlannedFeature};
use crate::builds::harness::features::{parse_feature_list, Feature};
use crate::builds::harness::protocol::{
    AGENT_SYSTEM_HEADING, CODING, EXIT_CODE_LINE, FEATURE_INDEX_LINE, FEATURE_LIST_FILE, INITIALIZER,
    INIT_SCRIPT, LIST_FILES, PROGRESS_FILE, READ_FILE, RUN_COMMAND, SESSION_LINE, SPEC_FILE, WRITE_FILE,
};
use crate::llm::{
    CompletionRequest, ContentBlock, EventStream, LlmProvider, Message, ProviderError, ProviderInfo,
    ProviderKind, Role, StopReason, StreamEvent, ToolCall, Usage,
};

pub const OFFLINE_AGENT_MODEL: &str = "offline-build-agent";

pub struct OfflineAgent {
    /// A pause before each step, so a build is watchable.
    step_delay: Duration,
}

impl OfflineAgent {
    pub fn new(step_delay: Duration) -> Self {
        Self { step_delay }
    }
}

/// One step: a sentence of what it does, and the tools it calls (none
/// ends the session).
struct Step {
    text: String,
    calls: Vec<(&'static str, Value)>,
}

impl Step {
    fn say(text: impl Into<String>) -> Self {
        Self { text: text.into(), calls: Vec::new() }
    }

    fn calls(text: impl Into<String>, calls: Vec<(&'static str, Value)>) -> Self {
        Self { text: text.into(), calls }
    }
}

#[async_trait::async_trait]
impl LlmProvider for OfflineAgent {
    fn describe(&self) -> ProviderInfo {
        ProviderInfo { kind: ProviderKind::Offline, model: OFFLINE_AGENT_MODEL.into() }
    }

    async fn stream(&self, request: CompletionRequest) -> Result<EventStream, ProviderError> {
        if !self.step_delay.is_zero() {
            tokio::time::sleep(self.step_delay).await;
        }
        let step = next_step(&request);
        let turn = assistant_turns(&request.messages);
        let input_tokens =
            (request.system.len() + request.messages.iter().map(message_size).sum::<usize>()) as u64 / 4;
        let calls: Vec<ToolCall> = step
            .calls
            .into_iter()
            .enumerate()
            .map(|(number, (name, input))| ToolCall {
                id: format!("toolu_offline_{turn}_{number}"),
                name: name.to_owned(),
                input,
            })
            .collect();
        let output_tokens =
            (step.text.len() + calls.iter().map(|call| call.input.to_string().len()).sum::<usize>()) as u64
                / 4;
        let stop = if calls.is_empty() { StopReason::EndTurn } else { StopReason::ToolUse };
        let mut events: VecDeque<Result<StreamEvent, ProviderError>> = VecDeque::new();
        events.push_back(Ok(StreamEvent::Started { model: OFFLINE_AGENT_MODEL.into() }));
        events.push_back(Ok(StreamEvent::TextDelta(step.text)));
        events.extend(calls.into_iter().map(|call| Ok(StreamEvent::ToolCall(call))));
        events.push_back(Ok(StreamEvent::Usage(Usage { input_tokens, output_tokens })));
        events.push_back(Ok(StreamEvent::Finished(stop)));
        Ok(Box::pin(futures_util::stream::iter(events)))
    }
}

fn message_size(message: &Message) -> usize {
    message
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::Text(text) => text.len(),
            ContentBlock::ToolUse(call) => call.input.to_string().len(),
            ContentBlock::ToolResult { content, .. } => content.len(),
        })
        .sum()
}

fn assistant_turns(messages: &[Message]) -> usize {
    messages.iter().filter(|message| message.role == Role::Assistant).count()
}

/// The results of the tools called in assistant turn `turn` (from 0), in call order.
fn results_of(messages: &[Message], turn: usize) -> Vec<(String, bool)> {
    let Some(position) = messages
        .iter()
        .enumerate()
        .filter(|(_, message)| message.role == Role::Assistant)
        .nth(turn)
        .map(|(at, _)| at)
    else {
        return Vec::new();
    };
    messages
        .get(position + 1)
        .map(|message| {
            message
                .content
                .iter()
                .filter_map(|block| match block {
                    ContentBlock::ToolResult { content, is_error, .. } => Some((content.clone(), *is_error)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn exit_code(result: &str) -> Option<i32> {
    result.lines().next()?.strip_prefix(EXIT_CODE_LINE)?.trim().parse().ok()
}

fn next_step(request: &CompletionRequest) -> Step {
    if !request.system.starts_with(AGENT_SYSTEM_HEADING) {
        return Step::say("I am the platform's offline build agent; I only take part in builds.");
    }
    let opening = request.messages.first().map(Message::text).unwrap_or_default();
    let mut lines = opening.lines();
    let session = lines.next().and_then(|line| line.strip_prefix(SESSION_LINE)).unwrap_or_default();
    let turn = assistant_turns(&request.messages);
    match session {
        INITIALIZER => initializer_step(&request.messages, turn),
        CODING => {
            let index = lines
                .find_map(|line| line.strip_prefix(FEATURE_INDEX_LINE))
                .and_then(|n| n.trim().parse().ok());
            match index {
                Some(index) => coding_step(&request.messages, turn, index),
                None => {
                    Step::say("The session names no feature to work on, so there is nothing for me to do.")
                }
            }
        }
        _ => Step::say("I do not recognise this session, so I stop here."),
    }
}

/// Node when the sandbox has it, else Python (from `command -v` output).
fn stack_from(tools: &str) -> Stack {
    if tools.lines().any(|line| line.trim_end().ends_with("/node")) {
        Stack::Node
    } else {
        Stack::Python
    }
}

fn app_name(spec: &str) -> String {
    spec.lines()
        .find_map(|line| line.trim_start().strip_prefix("# "))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "App".into())
}

fn write(path: &str, content: &str) -> (&'static str, Value) {
    (WRITE_FILE, json!({ "path": path, "content": content }))
}

fn run(command: &str) -> (&'static str, Value) {
    (RUN_COMMAND, json!({ "command": command }))
}

fn run_tests(stack: Stack) -> (&'static str, Value) {
    (RUN_COMMAND, json!({ "command": stack.test_command(), "is_test_run": true }))
}

fn initializer_step(messages: &[Message], turn: usize) -> Step {
    let first = results_of(messages, 0);
    let stack = stack_from(first.first().map(|(text, _)| text.as_str()).unwrap_or_default());
    let spec = first.get(1).map(|(text, _)| text.clone()).unwrap_or_default();
    let features = plan_features(&spec);
    match turn {
        0 => Step::calls(
            "I will read the spec and check which tools the sandbox has.",
            vec![run("command -v node python3 git"), (READ_FILE, json!({ "path": SPEC_FILE }))],
        ),
        1 => {
            let list = serde_json::to_string_pretty(&features).unwrap_or_else(|_| "[]".into());
            let mut calls = vec![write(FEATURE_LIST_FILE, &format!("{list}\n"))];
            calls.extend(skeleton(stack, &app_name(&spec), &features).iter().map(|(path, content)| write(path, content)));
            calls.push(write(PROGRESS_FILE, &progress_notes(&features_as_list(&features), None)));
            let names: Vec<&str> = features.iter().map(|feature| feature.description.as_str()).collect();
            Step::calls(
                format!("I planned {} features: {}. Writing the feature list and the skeleton.", features.len(), names.join("; ")),
                calls,
            )
        }
        2 => Step::calls("Checking the set-up and running the first test.", vec![run(&format!("sh {INIT_SCRIPT}")), run_tests(stack)]),
        3 => Step::calls(
            "Committing the skeleton.",
            vec![run("git init -q && git config user.email agent@agents-platform.local && git config user.name 'Build agent' && git add -A && git commit -qm 'Initial skeleton and feature list' && git log --oneline -1")],
        ),
        _ => Step::say(format!("The project is set up with {} features to build, one per session.", features.len())),
    }
}

fn features_as_list(planned: &[PlannedFeature]) -> Vec<Feature> {
    planned
        .iter()
        .map(|feature| Feature {
            category: feature.category.clone(),
            description: feature.description.clone(),
            steps: feature.steps.clone(),
            passes: feature.passes,
        })
        .collect()
}

fn progress_notes(features: &[Feature], just_done: Option<usize>) -> String {
    let mut notes = String::from("# Progress notes\n\nWritten by each session for the next one.\n\n");
    let done = features.iter().filter(|feature| feature.passes).count();
    notes.push_str(&format!("{done} of {} features pass.\n\n", features.len()));
    for (index, feature) in features.iter().enumerate() {
        let mark = if feature.passes { "x" } else { " " };
        notes.push_str(&format!("- [{mark}] {index}: {}\n", feature.description));
    }
    if let Some(index) = just_done {
        notes.push_str(&format!(
            "\nLast session: implemented feature {index} and its tests; all tests pass.\n"
        ));
    }
    notes
}

fn coding_step(messages: &[Message], turn: usize, index: usize) -> Step {
    if turn == 0 {
        return Step::calls(
            format!("Reading the notes, the feature list and the files before feature {index}."),
            vec![
                run(&format!("cat {PROGRESS_FILE}; git log --oneline -5")),
                (READ_FILE, json!({ "path": FEATURE_LIST_FILE })),
                (LIST_FILES, json!({})),
            ],
        );
    }
    let oriented = results_of(messages, 0);
    let features = oriented.get(1).and_then(|(text, _)| parse_feature_list(text.as_bytes()).ok());
    let files = oriented.get(2).map(|(text, _)| text.clone()).unwrap_or_default();
    let Some(features) = features else {
        return Step::say("I could not read feature_list.json, so I stop this session.");
    };
    let Some(feature) = features.get(index) else {
        return Step::say(format!("feature_list.json has no feature {index}."));
    };
    let stack =
        if files.lines().any(|line| line.starts_with("package.json")) { Stack::Node } else { Stack::Python };
    let planned = PlannedFeature {
        category: feature.category.clone(),
        description: feature.description.clone(),
        steps: feature.steps.clone(),
        passes: false,
    };
    match turn {
        1 => {
            let mut calls: Vec<(&'static str, Value)> = feature_files(stack, index, &planned)
                .iter()
                .map(|(path, content)| write(path, content))
                .collect();
            // The registry lists every feature module there is, this one included, in order.
            let prefix = format!("{}/", stack.features_dir());
            let mut slugs: Vec<String> = files
                .lines()
                .filter_map(|line| line.split(' ').next()?.strip_prefix(&prefix))
                .filter_map(|name| name.strip_suffix(".js").or_else(|| name.strip_suffix(".py")))
                .filter(|name| name.starts_with('f') && *name != "index" && *name != "__init__")
                .map(str::to_owned)
                .collect();
            slugs.push(slug(&feature.description, index));
            slugs.sort();
            slugs.dedup();
            let (path, content) = registry(stack, &slugs);
            calls.push(write(&path, &content));
            Step::calls(format!("Implementing \"{}\" with its tests.", feature.description), calls)
        }
        2 => Step::calls("Running the tests.", vec![run_tests(stack)]),
        3 => {
            let tests = results_of(messages, 2);
            let passed = tests.first().and_then(|(text, _)| exit_code(text)) == Some(0);
            if !passed {
                return Step::say(format!(
                    "The tests of \"{}\" fail; I leave it unmarked for the next session.",
                    feature.description
                ));
            }
            let mut updated = features.clone();
            updated[index].passes = true;
            let list = serde_json::to_string_pretty(&updated).unwrap_or_else(|_| "[]".into());
            Step::calls(
                "The tests pass. Marking the feature and updating the notes.",
                vec![
                    write(FEATURE_LIST_FILE, &format!("{list}\n")),
                    write(PROGRESS_FILE, &progress_notes(&updated, Some(index))),
                ],
            )
        }
        4 => Step::calls(
            "Committing.",
            vec![run(&format!(
                "git add -A && git commit -qm {} && git log --oneline -1",
                shell_quote(&format!("feat: {}", feature.description))
            ))],
        ),
        _ => Step::say(format!(
            "Feature {index}, \"{}\", is implemented, tested and committed.",
            feature.description
        )),
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builds::harness::{prompts, protocol};
    use crate::llm::collect_reply;

    const SPEC: &str = "# Todo\n\n## Features\n- Add a todo\n- Mark a todo as done\n- Search todos\n- Rename a todo\n- Delete a todo\n- Export the list\n";

    async fn ask(messages: &[Message]) -> crate::llm::CollectedReply {
        let request = CompletionRequest {
            system: prompts::system_prompt(),
            messages: messages.to_vec(),
            tools: protocol::tool_definitions(),
            max_tokens: 1000,
        };
        let stream = OfflineAgent::new(Duration::ZERO).stream(request).await.unwrap();
        collect_reply(stream).await.unwrap()
    }

    /// Carries out the reply's calls in `dir` for real, answering what the harness would.
    fn carry_out(dir: &std::path::Path, calls: &[ToolCall]) -> Message {
        let results = calls
            .iter()
            .map(|call| {
                let path = call.input["path"].as_str().unwrap_or_default();
                let content = match call.name.as_str() {
                    WRITE_FILE => {
                        let target = dir.join(path);
                        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                        std::fs::write(target, call.input["content"].as_str().unwrap()).unwrap();
                        "written".to_owned()
                    }
                    READ_FILE => std::fs::read_to_string(dir.join(path)).unwrap(),
                    LIST_FILES => walk(dir).join("\n"),
                    RUN_COMMAND => {
                        let output = std::process::Command::new("sh")
                            .arg("-c")
                            .arg(call.input["command"].as_str().unwrap())
                            .current_dir(dir)
                            .env("HOME", dir)
                            .output()
                            .unwrap();
                        format!(
                            "{EXIT_CODE_LINE}{}\n{}{}",
                            output.status.code().unwrap_or(-1),
                            String::from_utf8_lossy(&output.stdout),
                            String::from_utf8_lossy(&output.stderr)
                        )
                    }
                    other => panic!("unexpected tool {other}"),
                };
                ContentBlock::ToolResult { tool_use_id: call.id.clone(), content, is_error: false }
            })
            .collect();
        Message { role: Role::User, content: results }
    }

    fn walk(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(current) = pending.pop() {
            for entry in std::fs::read_dir(current).unwrap().flatten() {
                if entry.file_name() == ".git" {
                    continue;
                }
                if entry.path().is_dir() {
                    pending.push(entry.path());
                } else {
                    found.push(format!("{} (1 bytes)", entry.path().strip_prefix(dir).unwrap().display()));
                }
            }
        }
        found.sort();
        found
    }

    /// Runs a whole session against `dir`, answering each step for real.
    async fn session(dir: &std::path::Path, opening: String) -> Vec<crate::llm::CollectedReply> {
        let mut messages = vec![Message::user(opening)];
        let mut replies = Vec::new();
        for _ in 0..10 {
            let reply = ask(&messages).await;
            let mut content = vec![ContentBlock::Text(reply.text.clone())];
            content.extend(reply.tool_calls.iter().cloned().map(ContentBlock::ToolUse));
            messages.push(Message { role: Role::Assistant, content });
            let done = reply.tool_calls.is_empty();
            if !done {
                messages.push(carry_out(dir, &reply.tool_calls));
            }
            replies.push(reply);
            if done {
                return replies;
            }
        }
        panic!("the session did not end");
    }

    fn scratch() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("offline-agent-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(SPEC_FILE), SPEC).unwrap();
        dir
    }

    #[tokio::test]
    async fn it_plans_writes_and_builds_every_feature_with_passing_tests() {
        let dir = scratch();
        session(&dir, prompts::initializer_prompt()).await;
        let features = parse_feature_list(&std::fs::read(dir.join(FEATURE_LIST_FILE)).unwrap()).unwrap();
        assert_eq!(features.len(), 6);
        assert!(features.iter().all(|feature| !feature.passes));
        for index in 0..features.len() {
            let current = parse_feature_list(&std::fs::read(dir.join(FEATURE_LIST_FILE)).unwrap()).unwrap();
            session(&dir, prompts::coding_prompt(index, &current[index])).await;
        }
        let done = parse_feature_list(&std::fs::read(dir.join(FEATURE_LIST_FILE)).unwrap()).unwrap();
        assert!(done.iter().all(|feature| feature.passes), "{done:?}");
        // The generated app's own tests pass when run afresh, and git holds every step.
        let tests = std::process::Command::new("node").arg("--test").current_dir(&dir).output().unwrap();
        assert!(tests.status.success(), "{}", String::from_utf8_lossy(&tests.stdout));
        assert!(
            String::from_utf8_lossy(&tests.stdout).contains("# pass 13"),
            "{}",
            String::from_utf8_lossy(&tests.stdout)
        );
        let log =
            std::process::Command::new("git").args(["log", "--oneline"]).current_dir(&dir).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 7);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_failing_test_run_leaves_the_feature_unmarked() {
        let dir = scratch();
        session(&dir, prompts::initializer_prompt()).await;
        let features = parse_feature_list(&std::fs::read(dir.join(FEATURE_LIST_FILE)).unwrap()).unwrap();
        let mut messages = vec![Message::user(prompts::coding_prompt(0, &features[0]))];
        for turn in 0..3 {
            let reply = ask(&messages).await;
            let mut content = vec![ContentBlock::Text(reply.text.clone())];
            content.extend(reply.tool_calls.iter().cloned().map(ContentBlock::ToolUse));
            messages.push(Message { role: Role::Assistant, content });
            let mut results = carry_out(&dir, &reply.tool_calls);
            if turn == 2 {
                results = Message {
                    role: Role::User,
                    content: vec![ContentBlock::ToolResult {
                        tool_use_id: reply.tool_calls[0].id.clone(),
                        content: format!("{EXIT_CODE_LINE}1\n# fail 1"),
                        is_error: true,
                    }],
                };
            }
            messages.push(results);
        }
        let reply = ask(&messages).await;
        assert!(reply.tool_calls.is_empty(), "it stops instead of marking: {:?}", reply.tool_calls);
        assert!(reply.text.contains("fail"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn python_is_chosen_when_the_sandbox_has_no_node() {
        assert_eq!(stack_from("/usr/bin/python3\n/usr/bin/git\n"), Stack::Python);
        assert_eq!(stack_from("/usr/bin/node\n/usr/bin/python3\n"), Stack::Node);
    }

    #[tokio::test]
    async fn the_python_app_passes_its_own_tests() {
        let dir = scratch();
        let features = plan_features(SPEC);
        for (path, content) in skeleton(Stack::Python, "Todo", &features) {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, content).unwrap();
        }
        let mut slugs = Vec::new();
        for (index, feature) in features.iter().enumerate() {
            for (path, content) in feature_files(Stack::Python, index, feature) {
                std::fs::write(dir.join(path), content).unwrap();
            }
            slugs.push(slug(&feature.description, index));
        }
        let (path, content) = registry(Stack::Python, &slugs);
        std::fs::write(dir.join(path), content).unwrap();
        let tests = std::process::Command::new("python3")
            .args(["-m", "unittest", "discover", "-s", "tests", "-v"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let output = String::from_utf8_lossy(&tests.stderr);
        assert!(tests.status.success(), "{output}");
        assert!(output.contains("Ran 13 tests"), "{output}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn requests_that_are_not_builds_get_a_plain_answer() {
        let request = CompletionRequest {
            system: "You write specs.".into(),
            messages: vec![Message::user("hello")],
            tools: Vec::new(),
            max_tokens: 100,
        };
        let reply =
            collect_reply(OfflineAgent::new(Duration::ZERO).stream(request).await.unwrap()).await.unwrap();
        assert!(reply.tool_calls.is_empty());
        assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    }
}
