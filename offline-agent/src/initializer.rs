//! The initializer session: look at the sandbox and the spec, plan the
//! features, lay out the app's skeleton with a passing test, and commit it.
//! Each turn works its plan out again from the tool results so far.

use agent_protocol::harness::{FEATURE_LIST_FILE, INIT_SCRIPT, PREVIEW_FILE, PROGRESS_FILE, SPEC_FILE};

use super::app_stack::AppStack;
use super::conversation::{command_of, exit_code, is_command, is_read_of, is_test_run, Conversation};
use super::design::{design_features, FeatureDesign};
use super::feature_list::FeatureList;
use super::spec::{plan_app, PlannedApp};
use super::stack::{self, PROBE_COMMAND};
use super::turn::{read_file, run_command, run_tests, write_file, AgentTurn};

/// The line of `agent-progress.md` that session notes are added above.
pub const PROGRESS_MARKER: &str = "<!-- The build agent adds each session's notes above this line. -->";

/// Commits only when there is something to: a repeated initializer may find
/// an earlier one's commit.
const INITIAL_COMMIT_COMMAND: &str = "git init -q && git config user.email agent@agents-platform.local \
     && git config user.name \"Build agent\" && git add -A \
     && { git diff --cached --quiet || git commit -qm \"Initial skeleton and feature list\"; }";

/// At most this many steps per feature, as the harness's format suggests.
const MAX_STEPS: usize = 4;

pub fn next_turn(conversation: &Conversation) -> AgentTurn {
    match conversation.turns_taken() {
        0 => AgentTurn::act(
            "First I check which tools the sandbox has, and read the spec.",
            vec![run_command(PROBE_COMMAND), read_file(SPEC_FILE)],
        ),
        1 => match Plan::from_conversation(conversation) {
            Ok(plan) => write_skeleton(&plan),
            Err(problem) => AgentTurn::finish(problem),
        },
        2 => check_skeleton(conversation),
        3 => AgentTurn::act(
            "Committing the skeleton as the first version.",
            vec![run_command(INITIAL_COMMIT_COMMAND)],
        ),
        4 => summary(conversation),
        _ => AgentTurn::finish("This initializer session is done; the coding sessions build the features."),
    }
}

struct Plan {
    stack: &'static dyn AppStack,
    app: PlannedApp,
    designs: Vec<FeatureDesign>,
}

impl Plan {
    fn from_conversation(conversation: &Conversation) -> Result<Self, String> {
        let probe = conversation
            .latest_result(|call| is_command(call, PROBE_COMMAND))
            .ok_or("I cannot see which tools the sandbox has, so I stop here.")?;
        let stack = stack::for_sandbox(probe.content).ok_or(
            "The sandbox has neither node nor python3, so I cannot build an app whose tests run here. \
             Add Node.js or Python 3 to the sandbox image and start the build again.",
        )?;
        let spec = conversation
            .latest_result(|call| is_read_of(call, SPEC_FILE))
            .ok_or(format!("I cannot see the contents of {SPEC_FILE}, so I stop here."))?;
        if spec.is_error {
            return Err(format!("I could not read {SPEC_FILE}: {}", spec.content));
        }
        let app = plan_app(spec.content);
        let descriptions: Vec<&str> =
            app.features.iter().map(|feature| feature.description.as_str()).collect();
        let designs = design_features(&descriptions);
        Ok(Self { stack, app, designs })
    }

    fn feature_list(&self) -> FeatureList {
        FeatureList::planned(self.app.features.iter().zip(&self.designs).map(|(feature, design)| {
            let mut steps = design.behaviour.test_steps(&design.title);
            steps.extend(feature.criteria.iter().cloned());
            steps.truncate(MAX_STEPS);
            (feature.description.clone(), steps)
        }))
    }

    fn numbered_features(&self) -> String {
        self.designs
            .iter()
            .map(|design| format!("{}. {}", design.index + 1, design.description))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn write_skeleton(plan: &Plan) -> AgentTurn {
    let stack = plan.stack;
    let count = plan.designs.len();
    let mut calls = vec![
        write_file(FEATURE_LIST_FILE, &plan.feature_list().to_json()),
        write_file(INIT_SCRIPT, stack.init_script()),
        write_file(PREVIEW_FILE, &stack.preview_manifest()),
        write_file("README.md", &readme(plan)),
        write_file(".gitignore", stack.gitignore()),
        write_file(PROGRESS_FILE, &progress_notes(plan)),
    ];
    calls.extend(stack.skeleton(&plan.app.name).iter().map(|file| write_file(&file.path, &file.content)));
    AgentTurn::act(
        format!(
            "The spec describes {count} {}. I list them in {FEATURE_LIST_FILE} and lay out a {} app to build \
             them in, with one test so the test command passes from the start.",
            plural(count, "feature"),
            stack.label()
        ),
        calls,
    )
}

fn readme(plan: &Plan) -> String {
    let stack = plan.stack;
    format!(
        "# {name}\n\n\
         Built by the offline build agent of the Autonomous Agents Platform from `{SPEC_FILE}`.\n\n\
         ## Run it\n\n{run}\n\n\
         ## How it is organised\n\n{layout}\n\n\
         ## Features\n\n\
         The plan, with test steps, is in `{FEATURE_LIST_FILE}`; a feature's `passes` turns true once it is \
         built and its tests pass.\n\n{features}\n",
        name = plan.app.name,
        run = stack.how_to_run(),
        layout = stack.layout(),
        features = plan.numbered_features(),
    )
}

fn progress_notes(plan: &Plan) -> String {
    let stack = plan.stack;
    let count = plan.designs.len();
    format!(
        "# Agent progress\n\n\
         Notes each session leaves for the next; the newest are last.\n\n\
         ## Set-up\n\n\
         - Stack: {label}. Tests: `{test}`; they must all pass before a feature is marked as passing.\n\
         {layout}\n\
         - {count} {features} planned in `{FEATURE_LIST_FILE}`, in order of the spec.\n\n\
         ## Sessions\n\n\
         - Initializer: read `{SPEC_FILE}`, planned the features, wrote the skeleton with one passing test file.\n\
         {PROGRESS_MARKER}\n",
        label = stack.label(),
        test = stack.test_command(),
        layout = stack.layout(),
        features = plural(count, "feature"),
    )
}

fn check_skeleton(conversation: &Conversation) -> AgentTurn {
    let failed = conversation.failed_calls_of_last_turn();
    if !failed.is_empty() {
        let problems: Vec<String> =
            failed.iter().map(|(call, message)| format!("- {}: {message}", call.name)).collect();
        return AgentTurn::finish(format!(
            "Writing the skeleton failed, so I stop here:\n{}",
            problems.join("\n")
        ));
    }
    match Plan::from_conversation(conversation) {
        Ok(plan) => AgentTurn::act(
            "Now I run the set-up script and the skeleton's tests.",
            vec![run_command(&format!("sh {INIT_SCRIPT}")), run_tests(plan.stack.test_command())],
        ),
        Err(problem) => AgentTurn::finish(problem),
    }
}

fn summary(conversation: &Conversation) -> AgentTurn {
    let plan = match Plan::from_conversation(conversation) {
        Ok(plan) => plan,
        Err(problem) => return AgentTurn::finish(problem),
    };
    let count = plan.designs.len();
    let tests = conversation.latest_result(is_test_run).and_then(|result| exit_code(result.content));
    let commit = conversation
        .latest_result(|call| command_of(call).is_some_and(|command| command.starts_with("git init")))
        .and_then(|result| exit_code(result.content));
    let tests = match tests {
        Some(0) => "The skeleton's tests pass.".to_owned(),
        Some(code) => {
            format!("The skeleton's tests failed (exit code {code}); the next session should look first.")
        }
        None => "The skeleton's tests did not finish; the next session should look first.".to_owned(),
    };
    let commit = if commit == Some(0) {
        "Everything is committed."
    } else {
        "The commit failed, so the work is not in git yet."
    };
    AgentTurn::finish(format!(
        "Planned {count} {} for {} on {}:\n{}\n\n{tests} {commit}",
        plural(count, "feature"),
        plan.app.name,
        plan.stack.label(),
        plan.numbered_features(),
    ))
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        noun.to_owned()
    } else {
        format!("{noun}s")
    }
}
