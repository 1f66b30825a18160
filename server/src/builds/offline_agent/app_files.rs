//! The small but real app the offline agent writes: plain HTML and
//! JavaScript tested with `node --test` when the sandbox has Node, Python
//! tested with `unittest` otherwise. A feature is a module with one action
//! on the app's state, registered with the app, and a test of that action.

use super::plan::{Behaviour, PlannedFeature};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Node,
    Python,
}

impl Stack {
    pub fn test_command(self) -> &'static str {
        match self {
            Stack::Node => "node --test",
            Stack::Python => "python3 -m unittest discover -s tests -v",
        }
    }

    /// The folder feature modules live in.
    pub fn features_dir(self) -> &'static str {
        match self {
            Stack::Node => "src/features",
            Stack::Python => "app/features",
        }
    }
}

/// A file name part made of the description: lower case, words joined.
pub fn slug(description: &str, index: usize) -> String {
    let words: Vec<String> = description
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(5)
        .map(str::to_owned)
        .collect();
    let joined = if words.is_empty() { "feature".to_owned() } else { words.join("_") };
    format!("f{:02}_{joined}", index + 1)
}

fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// The skeleton written by the initializer: (path, content).
pub fn skeleton(stack: Stack, app_name: &str, features: &[PlannedFeature]) -> Vec<(String, String)> {
    let list: String = features.iter().map(|feature| format!("- [ ] {}\n", feature.description)).collect();
    let readme = format!(
        "# {app_name}\n\nBuilt by the platform's offline build agent.\n\nRun the tests with `{}`.\n\n## Features\n{list}",
        stack.test_command()
    );
    let mut files = vec![
        ("README.md".to_owned(), readme),
        (".gitignore".to_owned(), "node_modules/\n__pycache__/\n*.pyc\n".to_owned()),
    ];
    match stack {
        Stack::Node => files.extend([
            (
                "init.sh".to_owned(),
                "#!/bin/sh\n# Checks the tools this project needs.\nset -e\ncommand -v node >/dev/null || { echo 'node is missing' >&2; exit 1; }\necho \"node $(node --version)\"\n".to_owned(),
            ),
            (
                "package.json".to_owned(),
                format!(
                    "{{\n  \"name\": {},\n  \"private\": true,\n  \"type\": \"module\",\n  \"scripts\": {{ \"test\": \"node --test\" }}\n}}\n",
                    js_string(&slug(app_name, 0)[4..])
                ),
            ),
            (
                "index.html".to_owned(),
                format!(
                    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{name}</title></head>\n<body>\n  <h1>{name}</h1>\n  <ul id=\"features\"></ul>\n  <script type=\"module\">\n    import {{ render }} from './src/app.js';\n    render(document.getElementById('features'));\n  </script>\n</body>\n</html>\n",
                    name = html_escape(app_name)
                ),
            ),
            (
                "src/app.js".to_owned(),
                "import { features } from './features/index.js';\n\n/** The app's state: its items and what was done. */\nexport function initialState() {\n  return { items: [], history: [], results: null };\n}\n\n/** Runs the feature `id` on `state`; answers the new state. */\nexport function run(id, state, ...args) {\n  const feature = features.find((candidate) => candidate.feature.id === id);\n  if (!feature) throw new Error(`no feature ${id}`);\n  return feature.apply(state, ...args);\n}\n\nexport function render(list) {\n  for (const { feature } of features) {\n    const item = list.ownerDocument.createElement('li');\n    item.textContent = feature.title;\n    list.append(item);\n  }\n}\n".to_owned(),
            ),
            ("src/features/index.js".to_owned(), node_registry(&[])),
            (
                "test/app.test.js".to_owned(),
                "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { initialState } from '../src/app.js';\n\ntest('the app starts empty', () => {\n  assert.deepEqual(initialState(), { items: [], history: [], results: null });\n});\n".to_owned(),
            ),
        ]),
        Stack::Python => files.extend([
            (
                "init.sh".to_owned(),
                "#!/bin/sh\n# Checks the tools this project needs.\nset -e\ncommand -v python3 >/dev/null || { echo 'python3 is missing' >&2; exit 1; }\npython3 --version\n".to_owned(),
            ),
            (
                "app/__init__.py".to_owned(),
                "\"\"\"The app: its state and the features that act on it.\"\"\"\n\n\ndef initial_state():\n    return {\"items\": [], \"history\": [], \"results\": None}\n".to_owned(),
            ),
            ("app/features/__init__.py".to_owned(), python_registry(&[])),
            ("tests/__init__.py".to_owned(), String::new()),
            (
                "tests/test_app.py".to_owned(),
                "import unittest\n\nfrom app import initial_state\n\n\nclass AppTest(unittest.TestCase):\n    def test_the_app_starts_empty(self):\n        self.assertEqual(initial_state(), {\"items\": [], \"history\": [], \"results\": None})\n".to_owned(),
            ),
        ]),
    }
    files
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The registry of feature modules, `slugs` in order.
pub fn registry(stack: Stack, slugs: &[String]) -> (String, String) {
    match stack {
        Stack::Node => ("src/features/index.js".into(), node_registry(slugs)),
        Stack::Python => ("app/features/__init__.py".into(), python_registry(slugs)),
    }
}

fn node_registry(slugs: &[String]) -> String {
    let imports: String =
        slugs.iter().map(|slug| format!("import * as {slug} from './{slug}.js';\n")).collect();
    format!(
        "{imports}\n/** Every feature the app has, in build order. */\nexport const features = [{}];\n",
        slugs.join(", ")
    )
}

fn python_registry(slugs: &[String]) -> String {
    let imports: String = slugs.iter().map(|slug| format!("from . import {slug}\n")).collect();
    format!(
        "\"\"\"Every feature the app has, in build order.\"\"\"\n{imports}\nFEATURES = [{}]\n",
        slugs.join(", ")
    )
}

/// A feature's module and its test: (path, content) each.
pub fn feature_files(stack: Stack, index: usize, feature: &PlannedFeature) -> Vec<(String, String)> {
    let slug = slug(&feature.description, index);
    let behaviour = Behaviour::of(&feature.description);
    match stack {
        Stack::Node => vec![
            (format!("src/features/{slug}.js"), node_feature(&slug, feature, behaviour)),
            (format!("test/{slug}.test.js"), node_test(&slug, feature, behaviour)),
        ],
        Stack::Python => vec![
            (format!("app/features/{slug}.py"), python_feature(&slug, feature, behaviour)),
            (format!("tests/test_{slug}.py"), python_test(&slug, feature, behaviour)),
        ],
    }
}

fn node_feature(slug: &str, feature: &PlannedFeature, behaviour: Behaviour) -> String {
    let body = match behaviour {
        Behaviour::Add => "export function apply(state, title) {\n  const item = { id: state.items.length + 1, title: String(title).trim(), done: false };\n  if (!item.title) throw new Error('a title is required');\n  return { ...state, items: [...state.items, item], history: [...state.history, feature.id] };\n}\n",
        Behaviour::Remove => "export function apply(state, id) {\n  return { ...state, items: state.items.filter((item) => item.id !== id), history: [...state.history, feature.id] };\n}\n",
        Behaviour::Toggle => "export function apply(state, id) {\n  const items = state.items.map((item) => (item.id === id ? { ...item, done: !item.done } : item));\n  return { ...state, items, history: [...state.history, feature.id] };\n}\n",
        Behaviour::Search => "export function apply(state, query) {\n  const wanted = String(query).toLowerCase();\n  const results = state.items.filter((item) => item.title.toLowerCase().includes(wanted));\n  return { ...state, results, history: [...state.history, feature.id] };\n}\n",
        Behaviour::Rename => "export function apply(state, id, title) {\n  if (!String(title).trim()) throw new Error('a title is required');\n  const items = state.items.map((item) => (item.id === id ? { ...item, title: String(title).trim() } : item));\n  return { ...state, items, history: [...state.history, feature.id] };\n}\n",
        Behaviour::Record => "export function apply(state) {\n  return { ...state, history: [...state.history, feature.id] };\n}\n",
    };
    format!(
        "// {description}\nexport const feature = {{ id: {id}, title: {title}, category: {category} }};\n\n{body}",
        description = feature.description.replace('\n', " "),
        id = js_string(slug),
        title = js_string(&feature.description),
        category = js_string(&feature.category),
    )
}

fn node_test(slug: &str, feature: &PlannedFeature, behaviour: Behaviour) -> String {
    let check = match behaviour {
        Behaviour::Add => "  const state = apply(initialState(), 'Buy milk');\n  assert.equal(state.items.length, 1);\n  assert.deepEqual(state.items[0], { id: 1, title: 'Buy milk', done: false });\n  assert.throws(() => apply(initialState(), '  '));\n",
        Behaviour::Remove => "  const start = { ...initialState(), items: [{ id: 1, title: 'a', done: false }, { id: 2, title: 'b', done: false }] };\n  const state = apply(start, 1);\n  assert.deepEqual(state.items.map((item) => item.id), [2]);\n",
        Behaviour::Toggle => "  const start = { ...initialState(), items: [{ id: 1, title: 'a', done: false }] };\n  const once = apply(start, 1);\n  assert.equal(once.items[0].done, true);\n  assert.equal(apply(once, 1).items[0].done, false);\n",
        Behaviour::Search => "  const start = { ...initialState(), items: [{ id: 1, title: 'Buy milk', done: false }, { id: 2, title: 'Call Bob', done: false }] };\n  const state = apply(start, 'MILK');\n  assert.deepEqual(state.results.map((item) => item.id), [1]);\n",
        Behaviour::Rename => "  const start = { ...initialState(), items: [{ id: 1, title: 'old', done: false }] };\n  assert.equal(apply(start, 1, 'new').items[0].title, 'new');\n  assert.throws(() => apply(start, 1, ''));\n",
        Behaviour::Record => "  const state = apply(initialState());\n  assert.deepEqual(state.history, [feature.id]);\n",
    };
    format!(
        "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport {{ initialState }} from '../src/app.js';\nimport {{ features }} from '../src/features/index.js';\nimport {{ feature, apply }} from '../src/features/{slug}.js';\n\ntest({name}, () => {{\n{check}}});\n\ntest('the app offers: ' + {title}, () => {{\n  assert.ok(features.some((candidate) => candidate.feature.id === feature.id));\n}});\n",
        name = js_string(&feature.description),
        title = js_string(&feature.description),
    )
}

fn python_feature(slug: &str, feature: &PlannedFeature, behaviour: Behaviour) -> String {
    let body = match behaviour {
        Behaviour::Add => "def apply(state, title=\"\"):\n    title = str(title).strip()\n    if not title:\n        raise ValueError(\"a title is required\")\n    item = {\"id\": len(state[\"items\"]) + 1, \"title\": title, \"done\": False}\n    return {**state, \"items\": state[\"items\"] + [item], \"history\": state[\"history\"] + [ID]}\n",
        Behaviour::Remove => "def apply(state, item_id=None):\n    items = [item for item in state[\"items\"] if item[\"id\"] != item_id]\n    return {**state, \"items\": items, \"history\": state[\"history\"] + [ID]}\n",
        Behaviour::Toggle => "def apply(state, item_id=None):\n    items = [{**item, \"done\": not item[\"done\"]} if item[\"id\"] == item_id else item for item in state[\"items\"]]\n    return {**state, \"items\": items, \"history\": state[\"history\"] + [ID]}\n",
        Behaviour::Search => "def apply(state, query=\"\"):\n    wanted = str(query).lower()\n    results = [item for item in state[\"items\"] if wanted in item[\"title\"].lower()]\n    return {**state, \"results\": results, \"history\": state[\"history\"] + [ID]}\n",
        Behaviour::Rename => "def apply(state, item_id=None, title=\"\"):\n    title = str(title).strip()\n    if not title:\n        raise ValueError(\"a title is required\")\n    items = [{**item, \"title\": title} if item[\"id\"] == item_id else item for item in state[\"items\"]]\n    return {**state, \"items\": items, \"history\": state[\"history\"] + [ID]}\n",
        Behaviour::Record => "def apply(state):\n    return {**state, \"history\": state[\"history\"] + [ID]}\n",
    };
    format!(
        "\"\"\"{description}\"\"\"\n\nID = {id}\nTITLE = {title}\n\n\n{body}",
        description = feature.description.replace('"', "'"),
        id = js_string(slug),
        title = js_string(&feature.description),
    )
}

fn python_test(slug: &str, feature: &PlannedFeature, behaviour: Behaviour) -> String {
    let check = match behaviour {
        Behaviour::Add => "        state = apply(initial_state(), \"Buy milk\")\n        self.assertEqual(state[\"items\"], [{\"id\": 1, \"title\": \"Buy milk\", \"done\": False}])\n        with self.assertRaises(ValueError):\n            apply(initial_state(), \"  \")\n",
        Behaviour::Remove => "        start = {**initial_state(), \"items\": [{\"id\": 1, \"title\": \"a\", \"done\": False}, {\"id\": 2, \"title\": \"b\", \"done\": False}]}\n        self.assertEqual([item[\"id\"] for item in apply(start, 1)[\"items\"]], [2])\n",
        Behaviour::Toggle => "        start = {**initial_state(), \"items\": [{\"id\": 1, \"title\": \"a\", \"done\": False}]}\n        once = apply(start, 1)\n        self.assertTrue(once[\"items\"][0][\"done\"])\n        self.assertFalse(apply(once, 1)[\"items\"][0][\"done\"])\n",
        Behaviour::Search => "        start = {**initial_state(), \"items\": [{\"id\": 1, \"title\": \"Buy milk\", \"done\": False}, {\"id\": 2, \"title\": \"Call Bob\", \"done\": False}]}\n        self.assertEqual([item[\"id\"] for item in apply(start, \"MILK\")[\"results\"]], [1])\n",
        Behaviour::Rename => "        start = {**initial_state(), \"items\": [{\"id\": 1, \"title\": \"old\", \"done\": False}]}\n        self.assertEqual(apply(start, 1, \"new\")[\"items\"][0][\"title\"], \"new\")\n        with self.assertRaises(ValueError):\n            apply(start, 1, \"\")\n",
        Behaviour::Record => "        self.assertEqual(apply(initial_state())[\"history\"], [ID])\n",
    };
    format!(
        "import unittest\n\nfrom app import initial_state\nfrom app.features import FEATURES\nfrom app.features.{slug} import ID, apply\n\n\nclass FeatureTest(unittest.TestCase):\n    \"\"\"{description}\"\"\"\n\n    def test_behaviour(self):\n{check}\n    def test_the_app_offers_it(self):\n        self.assertIn(ID, [feature.ID for feature in FEATURES])\n",
        description = feature.description.replace('"', "'"),
    )
}
