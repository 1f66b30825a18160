//! A coding session: build the one feature the harness picked, run the
//! tests, and only when they pass mark it in the feature list, leave a note
//! and commit. Each turn works out the feature and the stack again from the
//! orientation results at the start of the session.

use std::collections::BTreeSet;

use agent_protocol::harness::{FEATURE_LIST_FILE, PROGRESS_FILE};

use super::app_stack::AppStack;
use super::conversation::{
    command_of, command_output, exit_code, is_file_listing, is_read_of, is_test_run, listed_paths,
    Conversation,
};
use super::design::{design_features, FeatureDesign};
use super::feature_list::FeatureList;
use super::initializer::PROGRESS_MARKER;
use super::spec::cut_at_word;
use super::stack;
use super::turn::{
    list_files, read_file, replace_in_file, run_command, run_tests, shell_quote, write_file, AgentTurn,
};

const ORIENT_COMMAND: &str = "cat agent-progress.md; git log --oneline -5";
const COMMIT_COMMAND_START: &str = "git add -A && git commit";
/// A commit subject longer than this is hard to read in `git log --oneline`.
const MAX_SUBJECT_CHARS: usize = 72;
/// How much of a failing test run's output the closing reply quotes.
const FAILURE_OUTPUT_LINES: usize = 20;

pub fn next_turn(conversation: &Conversation, feature_index: usize) -> AgentTurn {
    if conversation.turns_taken() == 0 {
        return AgentTurn::act(
            "Orienting myself: the notes of earlier sessions, the history, the feature list and the files.",
            vec![run_command(ORIENT_COMMAND), read_file(FEATURE_LIST_FILE), list_files()],
        );
    }
    let work = match Work::from_conversation(conversation, feature_index) {
        Ok(work) => work,
        Err(problem) => return AgentTurn::finish(problem),
    };
    match conversation.turns_taken() {
        1 => work.implement(),
        2 => work.run_tests(conversation),
        turn @ 3..=5 => work.after_tests(conversation, turn),
        _ => AgentTurn::finish("This coding session is done."),
    }
}

/// The feature to build and what the session has learnt about the project.
struct Work {
    stack: &'static dyn AppStack,
    list: FeatureList,
    designs: Vec<FeatureDesign>,
    index: usize,
    files: BTreeSet<String>,
}

impl Work {
    fn from_conversation(conversation: &Conversation, index: usize) -> Result<Self, String> {
        let list = conversation
            .latest_result(|call| is_read_of(call, FEATURE_LIST_FILE))
            .ok_or(format!("I cannot see the contents of {FEATURE_LIST_FILE}, so I stop here."))?;
        if list.is_error {
            return Err(format!("I could not read {FEATURE_LIST_FILE}: {}", list.content));
        }
        let list = FeatureList::parse(list.content)
            .map_err(|error| format!("I cannot use {FEATURE_LIST_FILE}: {error}."))?;
        let designs = design_features(&list.descriptions());
        if index >= designs.len() {
            return Err(format!(
                "{FEATURE_LIST_FILE} has {} features, so there is no feature with index {index} to build.",
                designs.len()
            ));
        }
        let listing = conversation
            .latest_result(is_file_listing)
            .filter(|listing| !listing.is_error)
            .ok_or("I cannot see the project's files, so I stop here.")?;
        let files = listed_paths(listing.content);
        let stack = stack::of_project(&files).ok_or(
            "I cannot tell how the project is built: it has neither a package.json nor Python files. \
             The initializer session lays the project out; it may have failed.",
        )?;
        Ok(Self { stack, list, designs, index, files })
    }

    fn design(&self) -> &FeatureDesign {
        &self.designs[self.index]
    }

    fn implement(&self) -> AgentTurn {
        let design = self.design();
        let stack = self.stack;
        // Registered: this feature, and those whose modules earlier sessions wrote.
        let registered: Vec<&FeatureDesign> = self
            .designs
            .iter()
            .filter(|other| other.index == self.index || self.files.contains(&stack.module_path(other)))
            .collect();
        let mut calls: Vec<_> =
            stack.feature_files(design).iter().map(|file| write_file(&file.path, &file.content)).collect();
        let registry = stack.registry(&registered);
        calls.push(write_file(&registry.path, &registry.content));
        AgentTurn::act(
            format!(
                "Building feature index {}, “{}”: {} {}, with its tests in {}, and registering it in {}.",
                self.index,
                design.description,
                stack.module_path(design),
                design.behaviour.summary(),
                stack.test_path(design),
                registry.path
            ),
            calls,
        )
    }

    fn run_tests(&self, conversation: &Conversation) -> AgentTurn {
        let failed = conversation.failed_calls_of_last_turn();
        if !failed.is_empty() {
            let problems: Vec<String> =
                failed.iter().map(|(call, message)| format!("- {}: {message}", call.name)).collect();
            return AgentTurn::finish(format!(
                "Writing feature index {} failed, so it stays unmarked:\n{}",
                self.index,
                problems.join("\n")
            ));
        }
        AgentTurn::act("Running all the tests.", vec![run_tests(self.stack.test_command())])
    }

    /// Record, commit and sum up when the tests passed; else end the session saying why.
    fn after_tests(&self, conversation: &Conversation, turn: usize) -> AgentTurn {
        match TestRun::latest(conversation) {
            Some(run) if run.has_passed() => match turn {
                3 => self.record(),
                4 => self.commit(),
                _ => self.summary(conversation),
            },
            Some(run) => AgentTurn::finish(self.failure(&run)),
            None => AgentTurn::finish("I cannot see the result of the test run, so I stop here."),
        }
    }

    fn record(&self) -> AgentTurn {
        let design = self.design();
        let note = format!(
            "- Feature index {}, “{}”: `{}` {}; tests in `{}`. All tests pass.\n{PROGRESS_MARKER}",
            self.index,
            design.description,
            self.stack.module_path(design),
            design.behaviour.summary(),
            self.stack.test_path(design),
        );
        AgentTurn::act(
            format!("The tests pass, so I mark feature index {} as passing and note what I did.", self.index),
            vec![
                write_file(FEATURE_LIST_FILE, &self.list.with_passing(self.index).to_json()),
                replace_in_file(PROGRESS_FILE, PROGRESS_MARKER, &note),
            ],
        )
    }

    fn commit(&self) -> AgentTurn {
        let subject = cut_at_word(&format!("feat: {}", self.design().description), MAX_SUBJECT_CHARS);
        AgentTurn::act(
            "Committing the feature.",
            vec![run_command(&format!("{COMMIT_COMMAND_START} -qm {}", shell_quote(&subject)))],
        )
    }

    fn summary(&self, conversation: &Conversation) -> AgentTurn {
        let design = self.design();
        let commit = conversation
            .latest_result(|call| {
                command_of(call).is_some_and(|command| command.starts_with(COMMIT_COMMAND_START))
            })
            .and_then(|result| exit_code(result.content));
        let committed = if commit == Some(0) {
            "and committed"
        } else {
            "but the commit failed, so the next session should commit it"
        };
        AgentTurn::finish(format!(
            "Feature index {}, “{}”, is built: `{}` {}, with tests in `{}`. The tests pass; it is marked as passing \
             in {FEATURE_LIST_FILE} {committed}.",
            self.index,
            design.description,
            self.stack.module_path(design),
            design.behaviour.summary(),
            self.stack.test_path(design),
        ))
    }

    fn failure(&self, run: &TestRun) -> String {
        let exit =
            run.exit_code.map_or_else(|| "it did not finish".to_owned(), |code| format!("exit code {code}"));
        let lines: Vec<&str> = run.output.lines().collect();
        let tail = lines[lines.len().saturating_sub(FAILURE_OUTPUT_LINES)..].join("\n");
        format!(
            "The tests failed ({exit}), so feature index {}, “{}”, stays unmarked in {FEATURE_LIST_FILE} and nothing is \
             committed. The end of the test output:\n\n```\n{tail}\n```",
            self.index,
            self.design().description,
        )
    }
}

struct TestRun {
    exit_code: Option<i32>,
    output: String,
}

impl TestRun {
    fn latest(conversation: &Conversation) -> Option<Self> {
        let result = conversation.latest_result(is_test_run)?;
        let exit_code = if result.is_error { None } else { exit_code(result.content) };
        Some(Self { exit_code, output: command_output(result.content).to_owned() })
    }

    fn has_passed(&self) -> bool {
        self.exit_code == Some(0)
    }
}
