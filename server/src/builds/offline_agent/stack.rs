//! The kind of app the agent builds, chosen from what the sandbox has:
//! Node.js when `node` is there, else Python. Each stack knows its files,
//! its test command and where a feature's code and tests go.

use std::collections::BTreeSet;

use serde_json::Value;

use super::design::FeatureDesign;
use super::{node_app, python_app};

/// Prints the path of each tool the sandbox has; exits non-zero when one is missing.
pub const PROBE_COMMAND: &str = "command -v node python3 git";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Node,
    Python,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub content: String,
}

impl GeneratedFile {
    pub fn new(path: impl Into<String>, content: impl Into<String>) -> Self {
        Self { path: path.into(), content: content.into() }
    }
}

impl Stack {
    /// The stack for a sandbox, from the output of [`PROBE_COMMAND`].
    pub fn from_probe(output: &str) -> Option<Self> {
        let found: BTreeSet<&str> = output
            .lines()
            .map(|line| line.trim().rsplit('/').next().unwrap_or_default())
            .filter(|name| !name.is_empty())
            .collect();
        if found.contains("node") {
            Some(Stack::Node)
        } else if found.contains("python3") {
            Some(Stack::Python)
        } else {
            None
        }
    }

    /// The stack an earlier session chose, from the project's files.
    pub fn from_files(paths: &BTreeSet<String>) -> Option<Self> {
        if paths.contains("package.json") {
            Some(Stack::Node)
        } else if paths.iter().any(|path| path.ends_with(".py")) {
            Some(Stack::Python)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stack::Node => "Node.js (plain HTML and JavaScript modules)",
            Stack::Python => "Python (standard library only)",
        }
    }

    pub fn test_command(self) -> &'static str {
        match self {
            Stack::Node => node_app::TEST_COMMAND,
            Stack::Python => python_app::TEST_COMMAND,
        }
    }

    pub fn init_script(self) -> &'static str {
        match self {
            Stack::Node => node_app::INIT_SCRIPT,
            Stack::Python => python_app::INIT_SCRIPT,
        }
    }

    pub fn gitignore(self) -> &'static str {
        match self {
            Stack::Node => "node_modules/\n.DS_Store\n",
            Stack::Python => "__pycache__/\n*.pyc\n.venv/\n.DS_Store\n",
        }
    }

    /// Markdown bullets: how to run the app and its tests.
    pub fn how_to_run(self) -> &'static str {
        match self {
            Stack::Node => node_app::HOW_TO_RUN,
            Stack::Python => python_app::HOW_TO_RUN,
        }
    }

    /// Markdown bullets: where things are.
    pub fn layout(self) -> &'static str {
        match self {
            Stack::Node => node_app::LAYOUT,
            Stack::Python => python_app::LAYOUT,
        }
    }

    /// The app before any feature: a page, a shared store, an empty registry, and a passing test.
    pub fn skeleton(self, app_name: &str) -> Vec<GeneratedFile> {
        match self {
            Stack::Node => node_app::skeleton(app_name),
            Stack::Python => python_app::skeleton(app_name),
        }
    }

    pub fn module_path(self, design: &FeatureDesign) -> String {
        match self {
            Stack::Node => node_app::module_path(design),
            Stack::Python => python_app::module_path(design),
        }
    }

    pub fn test_path(self, design: &FeatureDesign) -> String {
        match self {
            Stack::Node => node_app::test_path(design),
            Stack::Python => python_app::test_path(design),
        }
    }

    /// A feature's module and its tests.
    pub fn feature_files(self, design: &FeatureDesign) -> [GeneratedFile; 2] {
        match self {
            Stack::Node => [
                GeneratedFile::new(node_app::module_path(design), node_app::feature_module(design)),
                GeneratedFile::new(node_app::test_path(design), node_app::feature_test(design)),
            ],
            Stack::Python => [
                GeneratedFile::new(python_app::module_path(design), python_app::feature_module(design)),
                GeneratedFile::new(python_app::test_path(design), python_app::feature_test(design)),
            ],
        }
    }

    /// The registry listing `registered` features, in list order.
    pub fn registry(self, registered: &[&FeatureDesign]) -> GeneratedFile {
        match self {
            Stack::Node => GeneratedFile::new(node_app::REGISTRY_PATH, node_app::registry(registered)),
            Stack::Python => GeneratedFile::new(python_app::REGISTRY_PATH, python_app::registry(registered)),
        }
    }
}

/// `template` with each `__PLACEHOLDER__` replaced by its value, in one
/// pass, so a value that happens to contain a placeholder stays as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find("__") {
        filled.push_str(&rest[..at]);
        let tail = &rest[at..];
        match values.iter().find(|(placeholder, _)| tail.starts_with(placeholder)) {
            Some((placeholder, value)) => {
                filled.push_str(value);
                rest = &tail[placeholder.len()..];
            }
            None => {
                filled.push_str("__");
                rest = &tail[2..];
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// A double-quoted string literal, valid in JSON, JavaScript and Python alike.
pub fn string_literal(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// `text` on one line, safe inside a `//` or `#` comment.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_preferred_when_the_sandbox_has_it() {
        assert_eq!(Stack::from_probe("/usr/bin/node\n/usr/bin/python3\n/usr/bin/git\n"), Some(Stack::Node));
        assert_eq!(Stack::from_probe("exit code: 1\n/usr/local/bin/python3\n"), Some(Stack::Python));
        assert_eq!(Stack::from_probe("exit code: 1\n/usr/bin/git\n"), None);
    }

    #[test]
    fn the_stack_is_recognised_from_its_files() {
        let node: BTreeSet<String> = ["package.json".to_owned(), "src/app.js".to_owned()].into();
        let python: BTreeSet<String> = ["main.py".to_owned()].into();
        assert_eq!(Stack::from_files(&node), Some(Stack::Node));
        assert_eq!(Stack::from_files(&python), Some(Stack::Python));
        assert_eq!(Stack::from_files(&BTreeSet::new()), None);
    }

    #[test]
    fn placeholders_inside_values_are_not_filled_again() {
        let filled = fill("if __name__: __A__ then __B__", &[("__A__", "__B__"), ("__B__", "b")]);
        assert_eq!(filled, "if __name__: __B__ then b");
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal(r#"say "hi" \ bye"#), r#""say \"hi\" \\ bye""#);
    }
}
