//! What every kind of app the offline agent builds provides: its files,
//! its test command and where a feature's code and tests go. One
//! implementation per stack (`node_app`, `python_app`); `stack` picks one.

use std::fmt;

use super::design::FeatureDesign;
use super::template::{fill, one_line, string_literal};

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

pub trait AppStack: Sync {
    /// A short name for logs and tests: `node`, `python`.
    fn name(&self) -> &'static str;
    /// How the build's notes describe the stack.
    fn label(&self) -> &'static str;
    fn test_command(&self) -> &'static str;
    /// `init.sh`: checks the tools the project needs and prints their versions.
    fn init_script(&self) -> &'static str;
    fn gitignore(&self) -> &'static str;
    /// Markdown bullets: how to run the app and its tests.
    fn how_to_run(&self) -> &'static str;
    /// How the app starts for its live preview, and the port it listens on.
    fn start_command(&self) -> (&'static str, u16);
    /// Markdown bullets: where things are.
    fn layout(&self) -> &'static str;
    /// The app before any feature: a page, a shared store, an empty
    /// registry, and a passing test.
    fn skeleton(&self, app_name: &str) -> Vec<GeneratedFile>;
    fn module_path(&self, design: &FeatureDesign) -> String;
    fn test_path(&self, design: &FeatureDesign) -> String;
    fn feature_module(&self, design: &FeatureDesign) -> String;
    fn feature_test(&self, design: &FeatureDesign) -> String;
    fn registry_path(&self) -> &'static str;
    /// The registry's source, listing `registered` features in list order.
    fn registry_source(&self, registered: &[&FeatureDesign]) -> String;

    /// `preview.json`: the start command and port, as the platform reads them.
    fn preview_manifest(&self) -> String {
        let (command, port) = self.start_command();
        format!("{}\n", serde_json::json!({ "command": command, "port": port }))
    }

    /// A feature's module and its tests.
    fn feature_files(&self, design: &FeatureDesign) -> [GeneratedFile; 2] {
        [
            GeneratedFile::new(self.module_path(design), self.feature_module(design)),
            GeneratedFile::new(self.test_path(design), self.feature_test(design)),
        ]
    }

    /// The registry listing `registered` features, in list order.
    fn registry(&self, registered: &[&FeatureDesign]) -> GeneratedFile {
        GeneratedFile::new(self.registry_path(), self.registry_source(registered))
    }
}

/// How a stack's language writes "nothing", "true" and "false".
pub struct Literals {
    pub nothing: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
}

/// A feature module from its stack's template: the feature's metadata as
/// literals of the stack's language, then `imports` and the behaviour's `run`.
pub fn fill_feature_module(
    template: &str,
    design: &FeatureDesign,
    imports: &str,
    run: &str,
    literals: Literals,
) -> String {
    let behaviour = design.behaviour;
    let input_label = behaviour.input_label().map_or_else(|| literals.nothing.to_owned(), string_literal);
    fill(
        template,
        &[
            ("__INDEX__", &design.index.to_string()),
            ("__COMMENT__", &one_line(&design.description)),
            ("__IMPORTS__", imports),
            ("__SLUG__", &string_literal(&design.slug)),
            ("__TITLE__", &string_literal(&design.title)),
            ("__DESCRIPTION__", &string_literal(&design.description)),
            ("__INPUT_LABEL__", &input_label),
            ("__BUTTON_LABEL__", &string_literal(behaviour.button_label())),
            ("__NEEDS_INPUT__", if behaviour.input_label().is_some() { literals.yes } else { literals.no }),
            ("__RUN__", run),
        ],
    )
}

impl fmt::Debug for dyn AppStack {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}
