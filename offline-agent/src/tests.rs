//! The offline agent driven through whole sessions: scripted ones, where the
//! test writes the tool results, and real ones, where the calls run in a
//! temporary directory and the generated app's own tests run with node or
//! python3.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use futures_util::StreamExt;
use serde_json::Value;

use agent_protocol::harness::{FEATURE_LIST_FILE, PROGRESS_FILE, REPLACE_IN_FILE, SPEC_FILE};
use agent_protocol::llm::{CollectedReply, Message};

use super::behaviour::Behaviour;
use super::design::design_features;
use super::feature_list::FeatureList;
use super::test_support::{
    build_request, coding_opening, commands, files_under, has_program, initializer_opening, reply_to,
    written, Script, WorkDir,
};
use super::*;

const TASKS_SPEC: &str = "# Task Board\n\nA small board for a team's tasks.\n\n\
    ## Target users\n\n- Small teams\n\n\
    ## Core features\n\n\
    - Add a task\n- Delete a task\n- Rename a task\n- Mark a task as done\n\
    - Search tasks by keyword\n- Sort tasks alphabetically\n- See a summary of open and done tasks\n\n\
    ## Out of scope\n\n- Accounts\n";

const TASK_DESCRIPTIONS: [&str; 7] = [
    "Add a task",
    "Delete a task",
    "Rename a task",
    "Mark a task as done",
    "Search tasks by keyword",
    "Sort tasks alphabetically",
    "See a summary of open and done tasks",
];

const NODE_PROBE: &str = "exit code: 0\n/usr/bin/node\n/usr/bin/python3\n/usr/bin/git";
const PYTHON_ONLY_PROBE: &str = "exit code: 1\n/usr/bin/python3\n/usr/bin/git";

/// An initializer session up to the reply that writes the skeleton.
async fn initializer_writing_files(probe: &str) -> (Script, CollectedReply) {
    let mut script = Script::new(&initializer_opening());
    script.next().await;
    script.answer(&[probe, TASKS_SPEC]);
    let reply = script.next().await;
    (script, reply)
}

async fn planned_feature_list() -> String {
    let (_, reply) = initializer_writing_files(NODE_PROBE).await;
    written(&reply, FEATURE_LIST_FILE).expect("the initializer writes the feature list")
}

fn ok_results(reply: &CollectedReply) -> Vec<&'static str> {
    reply.tool_calls.iter().map(|_| "Done.").collect()
}

#[tokio::test]
async fn initializer_plans_the_features_from_the_specs_bullets() {
    let mut script = Script::new(&initializer_opening());
    let first = script.next().await;
    assert_eq!(first.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(commands(&first), ["command -v node python3 git"]);
    assert!(first.tool_calls.iter().any(|call| call.input["path"] == SPEC_FILE));

    script.answer(&[NODE_PROBE, TASKS_SPEC]);
    let second = script.next().await;
    let list: Value = serde_json::from_str(&written(&second, FEATURE_LIST_FILE).expect("a feature list"))
        .expect("valid JSON");
    let features = list.as_array().expect("an array");
    let descriptions: Vec<&str> =
        features.iter().filter_map(|feature| feature["description"].as_str()).collect();
    assert_eq!(descriptions, TASK_DESCRIPTIONS);
    for feature in features {
        assert_eq!(feature["category"], "functional");
        assert_eq!(feature["passes"], false);
        let steps = feature["steps"].as_array().expect("steps");
        assert!((2..=4).contains(&steps.len()), "{feature}");
    }
    for path in ["init.sh", "README.md", ".gitignore", PROGRESS_FILE, "package.json", "test/app.test.js"] {
        assert!(written(&second, path).is_some(), "{path} is written");
    }

    script.answer(&ok_results(&second));
    let third = script.next().await;
    assert_eq!(commands(&third), ["sh init.sh", "node --test"]);
    assert_eq!(third.tool_calls[1].input["is_test_run"], true);

    script.answer(&["exit code: 0\nnode v20.0.0", "exit code: 0\n# pass 4"]);
    let fourth = script.next().await;
    assert!(
        commands(&fourth)[0].starts_with("git init -q && git config user.email"),
        "{:?}",
        commands(&fourth)
    );

    script.answer(&["exit code: 0\n"]);
    let last = script.next().await;
    assert_eq!(last.stop_reason, Some(StopReason::EndTurn));
    assert!(last.tool_calls.is_empty());
    assert!(last.text.starts_with("Planned 7 features for Task Board"), "{}", last.text);
    assert!(last.text.contains("The skeleton's tests pass. Everything is committed."), "{}", last.text);
}

#[tokio::test]
async fn python_is_chosen_when_the_sandbox_has_no_node() {
    let (mut script, reply) = initializer_writing_files(PYTHON_ONLY_PROBE).await;
    assert!(written(&reply, "main.py").is_some());
    assert!(written(&reply, "tests/test_app.py").is_some());
    assert!(written(&reply, "package.json").is_none());

    script.answer(&ok_results(&reply));
    let checks = script.next().await;
    assert_eq!(commands(&checks), ["sh init.sh", "python3 -m unittest discover -s tests -v"]);
}

#[tokio::test]
async fn without_node_or_python_the_initializer_explains_and_stops() {
    let (_, reply) = initializer_writing_files("exit code: 1\n/usr/bin/git").await;
    assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    assert!(reply.tool_calls.is_empty());
    assert!(reply.text.contains("neither node nor python3"), "{}", reply.text);
}

#[tokio::test]
async fn a_spec_that_cannot_be_read_ends_the_session_with_the_reason() {
    let mut script = Script::new(&initializer_opening());
    script.next().await;
    script.answer_with(vec![(NODE_PROBE, false), ("No such file: app_spec.txt", true)]);
    let reply = script.next().await;
    assert!(reply.tool_calls.is_empty());
    assert!(reply.text.contains("No such file: app_spec.txt"), "{}", reply.text);
}

/// A coding session for feature 1 up to the reply after its test run.
async fn coding_feature_one(test_result: &str) -> (Script, String, CollectedReply) {
    let list = planned_feature_list().await;
    let mut script = Script::new(&coding_opening(1));
    let orientation = script.next().await;
    assert_eq!(orientation.tool_calls.len(), 3);
    let files = "package.json\nindex.html\nsrc/app.js\nsrc/store.js\nsrc/features/index.js\n\
                 src/features/add-a-task.js\ntest/app.test.js\ntest/add-a-task.test.js";
    script.answer(&["exit code: 0\n# Agent progress\n1a2b3c4 Initial skeleton", list.as_str(), files]);

    let implementation = script.next().await;
    let module = written(&implementation, "src/features/delete-a-task.js").expect("the feature's module");
    assert!(module.contains("export function run(state, input)"), "{module}");
    let test = written(&implementation, "test/delete-a-task.test.js").expect("the feature's tests");
    assert!(test.contains("from '../src/features/delete-a-task.js'"), "{test}");
    let registry = written(&implementation, "src/features/index.js").expect("the registry");
    assert!(
        registry.contains("'./add-a-task.js'") && registry.contains("'./delete-a-task.js'"),
        "{registry}"
    );
    assert!(!registry.contains("rename"), "features not built yet stay out: {registry}");

    script.answer(&ok_results(&implementation));
    let test_run = script.next().await;
    assert_eq!(test_run.tool_calls.len(), 1);
    assert_eq!(test_run.tool_calls[0].input["is_test_run"], true);

    script.answer(&[test_result]);
    let after_tests = script.next().await;
    (script, list, after_tests)
}

#[tokio::test]
async fn a_coding_session_marks_and_commits_its_feature_once_the_tests_pass() {
    let (mut script, list, record) = coding_feature_one("exit code: 0\n# pass 12\n# fail 0").await;
    let rewritten = written(&record, FEATURE_LIST_FILE).expect("the feature list is rewritten");
    let expected = FeatureList::parse(&list).expect("parses").with_passing(1).to_json();
    assert_eq!(rewritten, expected);
    let rewritten = FeatureList::parse(&rewritten).expect("parses");
    let passing: Vec<bool> = (0..7).map(|index| rewritten.is_passing(index)).collect();
    assert_eq!(passing, [false, true, false, false, false, false, false]);
    let note = record.tool_calls.iter().find(|call| call.name == REPLACE_IN_FILE).expect("a progress note");
    assert_eq!(note.input["path"], PROGRESS_FILE);

    script.answer(&ok_results(&record));
    let commit = script.next().await;
    assert_eq!(commands(&commit), ["git add -A && git commit -qm 'feat: Delete a task'"]);

    script.answer(&["exit code: 0\n"]);
    let last = script.next().await;
    assert_eq!(last.stop_reason, Some(StopReason::EndTurn));
    assert!(last.text.contains("marked as passing"), "{}", last.text);
}

#[tokio::test]
async fn failing_tests_leave_the_feature_unmarked_and_uncommitted() {
    let (_, _, reply) =
        coding_feature_one("exit code: 1\nnot ok 3 - Delete a task: removes the item\n# fail 1").await;
    assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    assert!(reply.tool_calls.is_empty(), "nothing is written or committed");
    assert!(reply.text.contains("The tests failed (exit code 1)"), "{}", reply.text);
    assert!(reply.text.contains("not ok 3 - Delete a task"), "{}", reply.text);
}

#[tokio::test]
async fn a_feature_index_beyond_the_list_is_explained() {
    let list = planned_feature_list().await;
    let mut script = Script::new(&coding_opening(40));
    script.next().await;
    script.answer(&["exit code: 0\n", list.as_str(), "package.json"]);
    let reply = script.next().await;
    assert!(reply.tool_calls.is_empty());
    assert!(reply.text.contains("no feature with index 40"), "{}", reply.text);
}

#[tokio::test]
async fn a_request_that_is_not_a_build_gets_an_explanation() {
    let mut request = build_request(vec![Message::user("Hello!")]);
    request.system = "You are a helpful assistant.".into();
    let reply = reply_to(request).await;
    assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    assert!(reply.tool_calls.is_empty());
    assert!(reply.text.contains("offline build agent"), "{}", reply.text);
}

#[tokio::test]
async fn a_session_it_cannot_identify_gets_an_explanation() {
    let reply = reply_to(build_request(vec![Message::user("Please build something.")])).await;
    assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    assert!(reply.text.contains("Session: initializer"), "{}", reply.text);
}

#[tokio::test]
async fn a_turn_streams_words_then_calls_then_usage_then_its_finish() {
    let request = build_request(vec![Message::user(initializer_opening())]);
    let events: Vec<StreamEvent> = OfflineAgent::new(Duration::ZERO)
        .stream(request)
        .await
        .expect("a stream")
        .map(|event| event.expect("no stream errors"))
        .collect()
        .await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| match event {
            StreamEvent::Started { .. } => "started",
            StreamEvent::TextDelta(_) => "text",
            StreamEvent::ToolCall(_) => "call",
            StreamEvent::Usage(_) => "usage",
            StreamEvent::Finished(_) => "finished",
        })
        .collect();
    let mut order = kinds.clone();
    order.dedup();
    assert_eq!(order, ["started", "text", "call", "usage", "finished"]);
    assert!(kinds.iter().filter(|kind| **kind == "text").count() > 3, "the words arrive one by one");
    assert_eq!(events[0], StreamEvent::Started { model: OFFLINE_AGENT_MODEL.into() });
    assert_eq!(events.last(), Some(&StreamEvent::Finished(StopReason::ToolUse)));
}

#[tokio::test]
async fn tool_call_ids_are_unique_within_a_session() {
    let (mut script, reply) = initializer_writing_files(NODE_PROBE).await;
    script.answer(&ok_results(&reply));
    let checks = script.next().await;
    let ids: Vec<String> = [&reply, &checks]
        .iter()
        .flat_map(|reply| reply.tool_calls.iter().map(|call| call.id.clone()))
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[tokio::test]
async fn the_same_spec_gives_the_same_files() {
    let (_, first) = initializer_writing_files(NODE_PROBE).await;
    let (_, second) = initializer_writing_files(NODE_PROBE).await;
    assert_eq!(first.tool_calls, second.tool_calls);
}

#[test]
fn describes_itself_as_the_offline_build_agent() {
    let info = OfflineAgent::new(Duration::ZERO).describe();
    assert_eq!(info, ProviderInfo { kind: ProviderKind::Offline, model: "offline-build-agent".into() });
}

#[test]
fn the_sample_spec_exercises_every_behaviour() {
    let behaviours: BTreeSet<Behaviour> =
        design_features(&TASK_DESCRIPTIONS).into_iter().map(|design| design.behaviour).collect();
    assert_eq!(behaviours.len(), 7);
}

/// The initializer, then a coding session per feature, all run for real in `work`.
async fn build_whole_app(work: &WorkDir) -> FeatureList {
    work.write(SPEC_FILE, TASKS_SPEC);
    let summary = work.run_session(&initializer_opening()).await;
    assert!(summary.contains("The skeleton's tests pass. Everything is committed."), "{summary}");
    let count =
        FeatureList::parse(&work.read(FEATURE_LIST_FILE)).expect("a feature list").descriptions().len();
    assert_eq!(count, TASK_DESCRIPTIONS.len());
    for index in 0..count {
        let summary = work.run_session(&coding_opening(index)).await;
        assert!(summary.contains("The tests pass"), "feature {index}: {summary}");
    }
    FeatureList::parse(&work.read(FEATURE_LIST_FILE)).expect("a feature list")
}

fn assert_succeeds(work: &WorkDir, program: &str, args: &[&str]) {
    let output = work.run(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn assert_all_passing(list: &FeatureList) {
    let count = list.descriptions().len();
    assert!((0..count).all(|index| list.is_passing(index)), "{}", list.to_json());
}

fn commit_count(work: &WorkDir) -> usize {
    String::from_utf8_lossy(&work.run("git", &["log", "--oneline"]).stdout).lines().count()
}

#[tokio::test]
async fn the_generated_node_app_passes_its_own_tests() {
    if !has_program("node") || !has_program("git") {
        eprintln!("skipped: node and git are needed to run the generated app's tests");
        return;
    }
    let work = WorkDir::new("node");
    let list = build_whole_app(&work).await;
    assert_all_passing(&list);
    assert_succeeds(&work, "node", &["--test"]);
    assert_succeeds(&work, "node", &["--check", "server.js"]);
    assert_succeeds(&work, "sh", &["init.sh"]);
    assert_eq!(commit_count(&work), 1 + TASK_DESCRIPTIONS.len());
    let progress = work.read(PROGRESS_FILE);
    assert_eq!(progress.matches("All tests pass.").count(), TASK_DESCRIPTIONS.len(), "{progress}");
}

#[tokio::test]
async fn the_generated_python_app_passes_its_own_tests() {
    if !has_program("python3") || !has_program("git") {
        eprintln!("skipped: python3 and git are needed to run the generated app's tests");
        return;
    }
    let work = WorkDir::new("python").pretending_the_sandbox_has("/usr/bin/python3\n/usr/bin/git");
    let list = build_whole_app(&work).await;
    assert_all_passing(&list);
    assert!(work.has("main.py") && !work.has("package.json"));
    assert_succeeds(&work, "python3", &["-m", "unittest", "discover", "-s", "tests"]);
    assert_succeeds(&work, "python3", &["-m", "py_compile", "main.py"]);
    assert_eq!(commit_count(&work), 1 + TASK_DESCRIPTIONS.len());
}

#[tokio::test]
async fn an_initializer_run_again_over_its_own_commit_finds_everything_committed() {
    if !has_program("node") || !has_program("git") {
        eprintln!("skipped: node and git are needed to run the generated app's tests");
        return;
    }
    let work = WorkDir::new("again");
    work.write(SPEC_FILE, TASKS_SPEC);
    for _ in 0..2 {
        let summary = work.run_session(&initializer_opening()).await;
        assert!(summary.contains("The skeleton's tests pass. Everything is committed."), "{summary}");
    }
    assert_eq!(commit_count(&work), 1);
}

/// Parses a Python file given as the first argument; a traceback names what is wrong.
const PYTHON_PARSE: &str = "import ast, sys; ast.parse(open(sys.argv[1], 'rb').read(), sys.argv[1])";

#[test]
fn every_template_parses_as_it_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/templates");
    let templates = files_under(&root, &root);
    assert!(!templates.is_empty(), "no templates under {}", root.display());
    let (has_node, has_python, has_bash) = (has_program("node"), has_program("python3"), has_program("bash"));
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for template in &templates {
        let path = root.join(template);
        let checked = match path.extension().and_then(|extension| extension.to_str()).unwrap_or_default() {
            "js" if has_node => node_check(&path),
            "py" if has_python => {
                accepted(Command::new("python3").args(["-c", PYTHON_PARSE]).arg(&path).output())
            }
            "sh" if has_bash => accepted(Command::new("bash").arg("-n").arg(&path).output()),
            "json" => json_check(&path),
            "js" | "py" | "sh" => {
                skipped.push(template.as_str());
                continue;
            }
            // Neither has a parser among the tools here, and their placeholders sit in text, not markup.
            "html" | "css" => continue,
            _ => Err("no check for this kind of template: add one to this test".to_owned()),
        };
        if let Err(message) = checked {
            failures.push(format!("{template}: {message}"));
        }
    }
    if !skipped.is_empty() {
        eprintln!("not checked, as node, python3 or bash is missing: {skipped:?}");
    }
    assert!(failures.is_empty(), "templates that do not parse:\n{}", failures.join("\n"));
}

/// `node --check` reading the file as an ES module, as the generated app's
/// `package.json` makes every script: given a path, Node before 20.19 reads a
/// file as CommonJS unless a `package.json` above it says `"type": "module"`,
/// and among the templates only `skeleton/` has one.
fn node_check(path: &Path) -> Result<(), String> {
    let source = fs::read(path).map_err(|error| error.to_string())?;
    let mut node = Command::new("node")
        .args(["--check", "--input-type=module", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("node did not start: {error}"))?;
    // stdin is dropped after the write, which closes it, so node reads to the end.
    let handed_over = node.stdin.take().map_or(Ok(()), |mut stdin| stdin.write_all(&source));
    // What node printed explains more than a broken pipe does.
    accepted(node.wait_with_output())
        .and(handed_over.map_err(|error| format!("node did not take the file: {error}")))
}

fn json_check(path: &Path) -> Result<(), String> {
    let json = fs::read(path).map_err(|error| error.to_string())?;
    serde_json::from_slice::<Value>(&json).map(|_| ()).map_err(|error| error.to_string())
}

/// Whether a checker accepted the file, else what it printed.
fn accepted(output: std::io::Result<Output>) -> Result<(), String> {
    let output = output.map_err(|error| format!("the checker did not start: {error}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}
