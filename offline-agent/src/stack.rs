//! Which kind of app to build, chosen from what the sandbox has: Node.js
//! when `node` is there, else Python; a later session recognises the
//! choice from the project's files.

use std::collections::BTreeSet;

use super::app_stack::AppStack;
use super::node_app::NodeApp;
use super::python_app::PythonApp;

/// Prints the path of each tool the sandbox has; exits non-zero when one is missing.
pub const PROBE_COMMAND: &str = "command -v node python3 git";

/// The stack for a sandbox, from the output of [`PROBE_COMMAND`].
pub fn for_sandbox(probe_output: &str) -> Option<&'static dyn AppStack> {
    let found: BTreeSet<&str> = probe_output
        .lines()
        .map(|line| line.trim().rsplit('/').next().unwrap_or_default())
        .filter(|name| !name.is_empty())
        .collect();
    if found.contains("node") {
        Some(&NodeApp)
    } else if found.contains("python3") {
        Some(&PythonApp)
    } else {
        None
    }
}

/// The stack an earlier session chose, from the project's files.
pub fn of_project(paths: &BTreeSet<String>) -> Option<&'static dyn AppStack> {
    if paths.contains("package.json") {
        Some(&NodeApp)
    } else if paths.iter().any(|path| path.ends_with(".py")) {
        Some(&PythonApp)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(stack: Option<&'static dyn AppStack>) -> Option<&'static str> {
        stack.map(|stack| stack.name())
    }

    #[test]
    fn node_is_preferred_when_the_sandbox_has_it() {
        assert_eq!(name(for_sandbox("/usr/bin/node\n/usr/bin/python3\n/usr/bin/git\n")), Some("node"));
        assert_eq!(name(for_sandbox("exit code: 1\n/usr/local/bin/python3\n")), Some("python"));
        assert_eq!(name(for_sandbox("exit code: 1\n/usr/bin/git\n")), None);
    }

    #[test]
    fn the_stack_is_recognised_from_its_files() {
        let node: BTreeSet<String> = ["package.json".to_owned(), "src/app.js".to_owned()].into();
        let python: BTreeSet<String> = ["main.py".to_owned()].into();
        assert_eq!(name(of_project(&node)), Some("node"));
        assert_eq!(name(of_project(&python)), Some("python"));
        assert_eq!(name(of_project(&BTreeSet::new())), None);
    }
}
