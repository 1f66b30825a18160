//! What the agent is told: one system prompt for every session, and the
//! first message of each session (the initializer, or a coding session on
//! one feature). Sessions start with a fresh context, so each message says
//! where to find what earlier sessions did.

use agent_protocol::feature_list::Feature;
use agent_protocol::harness::{
    AGENT_SYSTEM_HEADING, CODING, FEATURE_INDEX_LINE, FEATURE_LIST_FILE, INITIALIZER, INIT_SCRIPT,
    PREVIEW_FILE, PROGRESS_FILE, SESSION_LINE, SPEC_FILE,
};

pub fn system_prompt() -> String {
    format!(
        "{AGENT_SYSTEM_HEADING}\n\n\
         You build a working application from a specification, inside a sandboxed project directory, \
         using only the tools you are given. The sandbox has no network unless the operator allowed it; \
         use what is installed (check with `command -v`). Work in small steps: write code, run the tests, \
         fix what fails. Never mark a feature as passing unless its tests pass. Commit your work with git \
         at the end of every session. Keep `{PROGRESS_FILE}` up to date: the next session starts with no \
         memory of this one and reads it first."
    )
}

/// The initializer's message; `again` when earlier sessions left work
/// behind (a plan cut short, or a feature list that no longer reads).
pub fn initializer_prompt(again: bool) -> String {
    let opening = if again {
        "Earlier sessions of this build left work in the project directory, but no finished plan: a \
         planning session was cut short, or the feature list no longer reads. Check what is there, keep \
         what is sound, and finish the steps below."
    } else {
        "This is the first session of the build."
    };
    format!(
        "{SESSION_LINE}{INITIALIZER}\n\n\
         {opening} The specification is in `{SPEC_FILE}`.\n\
         1. Read it and decide on a stack the sandbox can run.\n\
         2. Write `{FEATURE_LIST_FILE}`: a JSON array of features in priority order, each \
            {{\"category\": ..., \"description\": ..., \"steps\": [test steps], \"passes\": false}}.\n\
         3. Write `{INIT_SCRIPT}` (sets the project up and checks the tools), the project skeleton and a \
            first test, and `{PROGRESS_FILE}` with your notes. If the app serves web pages, write \
            `{PREVIEW_FILE}`: {{\"command\": how to start it, \"port\": the port it listens on (1024 or above; \
            `PORT` is set to it)}}, so its owner can open it while you build.\n\
         4. Run the tests, then `git init` and commit everything.\n\
         Do not implement features yet. End with a one-paragraph summary."
    )
}

pub fn coding_prompt(index: usize, feature: &Feature) -> String {
    let steps: String = feature.steps.iter().map(|step| format!("   - {step}\n")).collect();
    format!(
        "{SESSION_LINE}{CODING}\n{FEATURE_INDEX_LINE}{index}\n\n\
         Continue the build. Read `{PROGRESS_FILE}`, `{FEATURE_LIST_FILE}` and the git log to see where \
         things stand. Then implement feature {index}: {description}\n\
         Its test steps:\n{steps}\
         Write tests for it, run them (set is_test_run), fix what fails, and only when they pass set its \
         \"passes\" to true in `{FEATURE_LIST_FILE}` (change nothing else there). Update \
         `{PROGRESS_FILE}`, commit, and end with a short summary.",
        description = feature.description,
    )
}
