//! The Python flavour of an offline-built app, for sandboxes without Node.js:
//! standard library only, a page served by `http.server`, and `unittest`.
//! Features are pure functions over one list of items; the server owns the state.
//! The sources are the files under `templates/python/`.

use super::app_stack::{fill_feature_module, AppStack, GeneratedFile, Literals};
use super::behaviour::Behaviour;
use super::design::FeatureDesign;
use super::template::{fill, indent, list_lines, one_line, string_literal};

pub struct PythonApp;

const REGISTRY_PATH: &str = "app/features/__init__.py";

const HOW_TO_RUN: &str = "\
- Check the tools: `sh init.sh`
- Run the tests: `python3 -m unittest discover -s tests -v`
- Start the app: `python3 main.py`, then open http://localhost:8000";

const LAYOUT: &str = "\
- `main.py`: the web server; `app/page.py` draws the page with a small form per registered feature.
- `app/store.py`: the shared state (a list of items) and helpers; features never change a state in place.
- `app/features/<module>.py`: one module per feature (`FEATURE` metadata and a pure `run(state, text)`), \
registered in `app/features/__init__.py`.
- `tests/test_<module>.py`: each feature's tests; `tests/test_app.py` checks the store, page and registry.";

const IMPORT_FIND_ITEM: &str = include_str!("templates/python/feature/imports/find_item.py");

impl AppStack for PythonApp {
    fn name(&self) -> &'static str {
        "python"
    }

    fn label(&self) -> &'static str {
        "Python (standard library only)"
    }

    fn test_command(&self) -> &'static str {
        "python3 -m unittest discover -s tests -v"
    }

    fn init_script(&self) -> &'static str {
        include_str!("templates/python/init.sh")
    }

    fn gitignore(&self) -> &'static str {
        "__pycache__/\n*.pyc\n.venv/\n.DS_Store\n"
    }

    fn start_command(&self) -> (&'static str, u16) {
        ("python3 main.py", 8000)
    }

    fn how_to_run(&self) -> &'static str {
        HOW_TO_RUN
    }

    fn layout(&self) -> &'static str {
        LAYOUT
    }

    fn skeleton(&self, app_name: &str) -> Vec<GeneratedFile> {
        vec![
            GeneratedFile::new("main.py", include_str!("templates/python/skeleton/main.py")),
            GeneratedFile::new("app/__init__.py", include_str!("templates/python/skeleton/app/__init__.py")),
            GeneratedFile::new("app/store.py", include_str!("templates/python/skeleton/app/store.py")),
            GeneratedFile::new(
                "app/page.py",
                fill(
                    include_str!("templates/python/skeleton/app/page.py"),
                    &[("__APP_NAME__", &string_literal(app_name))],
                ),
            ),
            self.registry(&[]),
            GeneratedFile::new(
                "tests/test_app.py",
                include_str!("templates/python/skeleton/tests/test_app.py"),
            ),
        ]
    }

    fn module_path(&self, design: &FeatureDesign) -> String {
        format!("app/features/{}.py", design.python_module())
    }

    fn test_path(&self, design: &FeatureDesign) -> String {
        format!("tests/test_{}.py", design.python_module())
    }

    fn feature_module(&self, design: &FeatureDesign) -> String {
        let (imports, run) = match design.behaviour {
            Behaviour::Add => ("", include_str!("templates/python/feature/run/add.py")),
            Behaviour::Remove => (IMPORT_FIND_ITEM, include_str!("templates/python/feature/run/remove.py")),
            Behaviour::Rename => (IMPORT_FIND_ITEM, include_str!("templates/python/feature/run/rename.py")),
            Behaviour::Complete => {
                (IMPORT_FIND_ITEM, include_str!("templates/python/feature/run/complete.py"))
            }
            Behaviour::Search => ("", include_str!("templates/python/feature/run/search.py")),
            Behaviour::Sort => ("", include_str!("templates/python/feature/run/sort.py")),
            Behaviour::Summarise => ("", include_str!("templates/python/feature/run/summarise.py")),
        };
        fill_feature_module(
            include_str!("templates/python/feature/module.py"),
            design,
            imports,
            run,
            Literals { nothing: "None", yes: "True", no: "False" },
        )
    }

    fn feature_test(&self, design: &FeatureDesign) -> String {
        let (store_import, tests) = match design.behaviour {
            Behaviour::Add => ("create_state", include_str!("templates/python/feature/tests/add.py")),
            Behaviour::Remove => ("with_items", include_str!("templates/python/feature/tests/remove.py")),
            Behaviour::Rename => ("with_items", include_str!("templates/python/feature/tests/rename.py")),
            Behaviour::Complete => ("with_items", include_str!("templates/python/feature/tests/complete.py")),
            Behaviour::Search => ("with_items", include_str!("templates/python/feature/tests/search.py")),
            Behaviour::Sort => ("with_items", include_str!("templates/python/feature/tests/sort.py")),
            Behaviour::Summarise => {
                ("with_items", include_str!("templates/python/feature/tests/summarise.py"))
            }
        };
        fill(
            include_str!("templates/python/feature/test.py"),
            &[
                ("__INDEX__", &design.index.to_string()),
                ("__COMMENT__", &one_line(&design.description)),
                ("__MODULE__", &design.python_module()),
                ("__STORE_IMPORT__", store_import),
                ("__CLASS__", &format!("Feature{}Test", design.index + 1)),
                ("__SLUG__", &string_literal(&design.slug)),
                // Methods of the class, written at the top level of their files so that those parse alone.
                ("__TESTS__", &indent(tests, "    ")),
            ],
        )
    }

    fn registry_path(&self) -> &'static str {
        REGISTRY_PATH
    }

    fn registry_source(&self, registered: &[&FeatureDesign]) -> String {
        let modules: Vec<String> = registered.iter().map(|design| design.python_module()).collect();
        let imports: String = modules
            .iter()
            .map(|module| {
                fill(
                    include_str!("templates/python/registry/feature_import.py"),
                    &[("__MODULE__", module.as_str())],
                )
            })
            .collect();
        fill(
            include_str!("templates/python/registry/__init__.py"),
            &[("__IMPORTS__", &imports), ("__FEATURES__", &list_lines(&modules, "    "))],
        )
    }
}
