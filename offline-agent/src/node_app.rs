//! The Node.js flavour of an offline-built app: a page of plain HTML and
//! JavaScript modules, a tiny static server, and tests run by `node --test`.
//! Features are pure functions over one list of items; the page owns the state.
//! The sources are the files under `templates/node/`.

use super::app_stack::{fill_feature_module, AppStack, GeneratedFile, Literals};
use super::behaviour::Behaviour;
use super::design::{slugify, FeatureDesign};
use super::template::{fill, html_escape, list_lines, one_line, string_literal};

pub struct NodeApp;

const REGISTRY_PATH: &str = "src/features/index.js";

const HOW_TO_RUN: &str = "\
- Check the tools: `sh init.sh`
- Run the tests: `node --test` (or `npm test`)
- Start the app: `node server.js` (or `npm start`), then open http://localhost:3000. Browsers load \
JavaScript modules only over HTTP, so opening `index.html` from disk shows an empty page.";

const LAYOUT: &str = "\
- `index.html` and `src/app.js`: the page; it renders every registered feature as a small form.
- `src/store.js`: the shared state (a list of items) and helpers; features never change a state in place.
- `src/features/<slug>.js`: one module per feature (`feature` metadata and a pure `run(state, input)`), \
registered in `src/features/index.js`.
- `test/<slug>.test.js`: each feature's tests; `test/app.test.js` checks the store and the registry.";

const IMPORT_FIND_ITEM: &str = include_str!("templates/node/feature/imports/find_item.js");

impl AppStack for NodeApp {
    fn name(&self) -> &'static str {
        "node"
    }

    fn label(&self) -> &'static str {
        "Node.js (plain HTML and JavaScript modules)"
    }

    fn test_command(&self) -> &'static str {
        "node --test"
    }

    fn init_script(&self) -> &'static str {
        include_str!("templates/node/init.sh")
    }

    fn gitignore(&self) -> &'static str {
        "node_modules/\n.DS_Store\n"
    }

    fn start_command(&self) -> (&'static str, u16) {
        ("node server.js", 3000)
    }

    fn how_to_run(&self) -> &'static str {
        HOW_TO_RUN
    }

    fn layout(&self) -> &'static str {
        LAYOUT
    }

    fn skeleton(&self, app_name: &str) -> Vec<GeneratedFile> {
        let package_name = slugify(app_name, 6, "app");
        vec![
            GeneratedFile::new(
                "package.json",
                fill(include_str!("templates/node/skeleton/package.json"), &[("__NAME__", &package_name)]),
            ),
            GeneratedFile::new(
                "index.html",
                fill(
                    include_str!("templates/node/skeleton/index.html"),
                    &[("__APP_NAME__", &html_escape(app_name))],
                ),
            ),
            GeneratedFile::new("src/style.css", include_str!("templates/node/skeleton/src/style.css")),
            GeneratedFile::new("src/store.js", include_str!("templates/node/skeleton/src/store.js")),
            GeneratedFile::new("src/app.js", include_str!("templates/node/skeleton/src/app.js")),
            self.registry(&[]),
            GeneratedFile::new("server.js", include_str!("templates/node/skeleton/server.js")),
            GeneratedFile::new("test/app.test.js", include_str!("templates/node/skeleton/test/app.test.js")),
        ]
    }

    fn module_path(&self, design: &FeatureDesign) -> String {
        format!("src/features/{}.js", design.slug)
    }

    fn test_path(&self, design: &FeatureDesign) -> String {
        format!("test/{}.test.js", design.slug)
    }

    fn feature_module(&self, design: &FeatureDesign) -> String {
        let (imports, run) = match design.behaviour {
            Behaviour::Add => ("", include_str!("templates/node/feature/run/add.js")),
            Behaviour::Remove => (IMPORT_FIND_ITEM, include_str!("templates/node/feature/run/remove.js")),
            Behaviour::Rename => (IMPORT_FIND_ITEM, include_str!("templates/node/feature/run/rename.js")),
            Behaviour::Complete => (IMPORT_FIND_ITEM, include_str!("templates/node/feature/run/complete.js")),
            Behaviour::Search => ("", include_str!("templates/node/feature/run/search.js")),
            Behaviour::Sort => ("", include_str!("templates/node/feature/run/sort.js")),
            Behaviour::Summarise => ("", include_str!("templates/node/feature/run/summarise.js")),
        };
        fill_feature_module(
            include_str!("templates/node/feature/module.js"),
            design,
            imports,
            run,
            Literals { nothing: "null", yes: "true", no: "false" },
        )
    }

    fn feature_test(&self, design: &FeatureDesign) -> String {
        let (store_import, tests) = match design.behaviour {
            Behaviour::Add => ("createState", include_str!("templates/node/feature/tests/add.js")),
            Behaviour::Remove => ("withItems", include_str!("templates/node/feature/tests/remove.js")),
            Behaviour::Rename => ("withItems", include_str!("templates/node/feature/tests/rename.js")),
            Behaviour::Complete => ("withItems", include_str!("templates/node/feature/tests/complete.js")),
            Behaviour::Search => ("withItems", include_str!("templates/node/feature/tests/search.js")),
            Behaviour::Sort => ("withItems", include_str!("templates/node/feature/tests/sort.js")),
            Behaviour::Summarise => ("withItems", include_str!("templates/node/feature/tests/summarise.js")),
        };
        fill(
            include_str!("templates/node/feature/test.js"),
            &[
                ("__INDEX__", &design.index.to_string()),
                ("__COMMENT__", &one_line(&design.description)),
                ("__STORE_IMPORT__", store_import),
                ("__MODULE_FILE__", &format!("{}.js", design.slug)),
                ("__SLUG__", &string_literal(&design.slug)),
                ("__TESTS__", tests),
            ],
        )
    }

    fn registry_path(&self) -> &'static str {
        REGISTRY_PATH
    }

    fn registry_source(&self, registered: &[&FeatureDesign]) -> String {
        let imports: String = registered
            .iter()
            .map(|design| {
                fill(
                    include_str!("templates/node/registry/feature_import.js"),
                    &[
                        ("__NAME__", &registered_name(design)),
                        ("__MODULE_FILE__", &format!("{}.js", design.slug)),
                    ],
                )
            })
            .collect();
        let names: Vec<String> = registered.iter().copied().map(registered_name).collect();
        fill(
            include_str!("templates/node/registry/index.js"),
            &[("__IMPORTS__", &imports), ("__FEATURES__", &list_lines(&names, "  "))],
        )
    }
}

/// The name the registry imports a feature's module as.
fn registered_name(design: &FeatureDesign) -> String {
    format!("feature{}", design.index + 1)
}
