//! What every kind of app the offline agent builds provides: its files,
//! its test command and where a feature's code and tests go. One
//! implementation per stack (`node_app`, `python_app`); `stack` picks one.

use std::fmt;

use super::design::FeatureDesign;

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

impl fmt::Debug for dyn AppStack {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}
