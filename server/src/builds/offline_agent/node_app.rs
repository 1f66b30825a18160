//! The Node.js flavour of an offline-built app: a page of plain HTML and
//! JavaScript modules, a tiny static server, and tests run by `node --test`.
//! Features are pure functions over one list of items; the page owns the state.

use super::behaviour::Behaviour;
use super::design::{slugify, FeatureDesign};
use super::stack::{fill, html_escape, one_line, string_literal, GeneratedFile};

pub const TEST_COMMAND: &str = "node --test";
pub const REGISTRY_PATH: &str = "src/features/index.js";

pub const HOW_TO_RUN: &str = "\
- Check the tools: `sh init.sh`
- Run the tests: `node --test` (or `npm test`)
- Start the app: `node server.js` (or `npm start`), then open http://localhost:3000. Browsers load \
JavaScript modules only over HTTP, so opening `index.html` from disk shows an empty page.";

pub const LAYOUT: &str = "\
- `index.html` and `src/app.js`: the page; it renders every registered feature as a small form.
- `src/store.js`: the shared state (a list of items) and helpers; features never change a state in place.
- `src/features/<slug>.js`: one module per feature (`feature` metadata and a pure `run(state, input)`), \
registered in `src/features/index.js`.
- `test/<slug>.test.js`: each feature's tests; `test/app.test.js` checks the store and the registry.";

pub fn module_path(design: &FeatureDesign) -> String {
    format!("src/features/{}.js", design.slug)
}

pub fn test_path(design: &FeatureDesign) -> String {
    format!("test/{}.test.js", design.slug)
}

pub fn skeleton(app_name: &str) -> Vec<GeneratedFile> {
    let package_name = slugify(app_name, 6, "app");
    vec![
        GeneratedFile::new(
            "package.json",
            fill(PACKAGE_JSON, &[("__NAME__", &string_literal(&package_name))]),
        ),
        GeneratedFile::new("index.html", fill(INDEX_HTML, &[("__APP_NAME__", &html_escape(app_name))])),
        GeneratedFile::new("src/style.css", STYLE_CSS),
        GeneratedFile::new("src/store.js", STORE_JS),
        GeneratedFile::new("src/app.js", APP_JS),
        GeneratedFile::new(REGISTRY_PATH, registry(&[])),
        GeneratedFile::new("server.js", SERVER_JS),
        GeneratedFile::new("test/app.test.js", APP_TEST_JS),
    ]
}

/// `src/features/index.js` listing these features.
pub fn registry(registered: &[&FeatureDesign]) -> String {
    let mut text = String::from(
        "// Every feature module of the app, in the order of feature_list.json.\n\
         // The build agent rewrites this file as it adds features.\n",
    );
    if registered.is_empty() {
        text.push_str("\nexport const features = [];\n");
        return text;
    }
    for design in registered {
        text.push_str(&format!("import * as feature{} from './{}.js';\n", design.index + 1, design.slug));
    }
    text.push_str("\nexport const features = [\n");
    for design in registered {
        text.push_str(&format!("  feature{},\n", design.index + 1));
    }
    text.push_str("];\n");
    text
}

pub fn feature_module(design: &FeatureDesign) -> String {
    let behaviour = design.behaviour;
    let (imports, run) = match behaviour {
        Behaviour::Add => ("", RUN_ADD),
        Behaviour::Remove => (IMPORT_FIND_ITEM, RUN_REMOVE),
        Behaviour::Rename => (IMPORT_FIND_ITEM, RUN_RENAME),
        Behaviour::Complete => (IMPORT_FIND_ITEM, RUN_COMPLETE),
        Behaviour::Search => ("", RUN_SEARCH),
        Behaviour::Sort => ("", RUN_SORT),
        Behaviour::Summarise => ("", RUN_SUMMARISE),
    };
    let input_label = behaviour.input_label().map_or_else(|| "null".to_owned(), string_literal);
    fill(
        FEATURE_MODULE,
        &[
            ("__INDEX__", &design.index.to_string()),
            ("__COMMENT__", &one_line(&design.description)),
            ("__IMPORTS__", imports),
            ("__SLUG__", &string_literal(&design.slug)),
            ("__TITLE__", &string_literal(&design.title)),
            ("__DESCRIPTION__", &string_literal(&design.description)),
            ("__INPUT_LABEL__", &input_label),
            ("__BUTTON_LABEL__", &string_literal(behaviour.button_label())),
            ("__NEEDS_INPUT__", if behaviour.input_label().is_some() { "true" } else { "false" }),
            ("__RUN__", run),
        ],
    )
}

pub fn feature_test(design: &FeatureDesign) -> String {
    let (store_import, tests) = match design.behaviour {
        Behaviour::Add => ("createState", TESTS_ADD),
        Behaviour::Remove => ("withItems", TESTS_REMOVE),
        Behaviour::Rename => ("withItems", TESTS_RENAME),
        Behaviour::Complete => ("withItems", TESTS_COMPLETE),
        Behaviour::Search => ("withItems", TESTS_SEARCH),
        Behaviour::Sort => ("withItems", TESTS_SORT),
        Behaviour::Summarise => ("withItems", TESTS_SUMMARISE),
    };
    fill(
        FEATURE_TEST,
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

pub const INIT_SCRIPT: &str = r#"#!/bin/sh
# Checks that the tools this project needs are here and prints their versions.
set -e
if ! command -v node >/dev/null 2>&1; then
  echo "node is missing: install Node.js 18 or newer." >&2
  exit 1
fi
# node --test arrived in Node.js 18.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  echo "Node.js $(node --version) is too old: the tests need 18 or newer." >&2
  exit 1
fi
echo "node $(node --version)"
if command -v git >/dev/null 2>&1; then
  git --version
else
  echo "git is missing (only needed for the history)."
fi
echo "Tests: node --test"
echo "App:   node server.js, then open http://localhost:3000"
"#;

const PACKAGE_JSON: &str = r#"{
  "name": __NAME__,
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "scripts": {
    "start": "node server.js",
    "test": "node --test"
  }
}
"#;

const INDEX_HTML: &str = r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>__APP_NAME__</title>
    <link rel="stylesheet" href="src/style.css">
  </head>
  <body>
    <main>
      <h1>__APP_NAME__</h1>
      <section aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <ul id="items"></ul>
        <p id="status" role="status" aria-live="polite"></p>
      </section>
      <div id="features"></div>
    </main>
    <script type="module" src="src/app.js"></script>
  </body>
</html>
"#;

const STYLE_CSS: &str = "\
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; }
section { border-top: 1px solid #ddd; padding: 0.5rem 0; }
label { display: block; margin-bottom: 0.25rem; }
input, button { font: inherit; padding: 0.25rem 0.5rem; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.done { text-decoration: line-through; color: #555; }
";

const STORE_JS: &str = r#"// The app's state: one list of items that every feature reads and changes.
// Features never change a state in place; they return a new one, which keeps
// them easy to test and the page easy to draw again.

export function createState() {
  return { items: [], nextId: 1 };
}

// A state holding these items, none done: for tests and demos.
export function withItems(...texts) {
  return texts.reduce(
    (state, text) => ({
      ...state,
      items: [...state.items, { id: state.nextId, text, done: false }],
      nextId: state.nextId + 1,
    }),
    createState(),
  );
}

// The item whose text is `text`, ignoring case and surrounding spaces.
export function findItem(state, text) {
  const wanted = String(text ?? '').trim().toLowerCase();
  return state.items.find((item) => item.text.toLowerCase() === wanted);
}
"#;

const APP_JS: &str = r#"// The page: the shared list of items, the last message, and one small form
// per registered feature. Features are pure; this file owns the state.
import { createState } from './store.js';
import { features } from './features/index.js';

export function start(page) {
  let state = createState();
  const list = page.getElementById('items');
  const status = page.getElementById('status');
  const container = page.getElementById('features');

  const show = (message) => {
    status.textContent = message;
    const rows = state.items.map((item) => itemRow(page, item));
    list.replaceChildren(...(rows.length > 0 ? rows : [emptyRow(page)]));
  };
  const act = (module, input) => {
    const result = module.run(state, input);
    state = result.state;
    show(result.message);
  };

  if (features.length === 0) {
    container.textContent = 'No features yet: the build agent adds them one by one.';
  } else {
    container.replaceChildren(...features.map((module) => featureSection(page, module, act)));
  }
  show('');
}

function itemRow(page, item) {
  const row = page.createElement('li');
  row.textContent = item.done ? `${item.text} (done)` : item.text;
  if (item.done) {
    row.className = 'done';
  }
  return row;
}

function emptyRow(page) {
  const row = page.createElement('li');
  row.textContent = 'No items yet.';
  return row;
}

function featureSection(page, module, act) {
  const { feature } = module;
  const section = page.createElement('section');
  const heading = page.createElement('h2');
  heading.textContent = feature.title;
  const about = page.createElement('p');
  about.textContent = feature.description;
  const form = page.createElement('form');
  let input = null;
  if (feature.needsInput) {
    const label = page.createElement('label');
    input = page.createElement('input');
    input.id = `input-${feature.slug}`;
    input.required = true;
    label.htmlFor = input.id;
    label.textContent = feature.inputLabel;
    form.append(label, input);
  }
  const button = page.createElement('button');
  button.type = 'submit';
  button.textContent = feature.buttonLabel;
  form.append(button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(module, input ? input.value : '');
    if (input) {
      input.value = '';
      input.focus();
    }
  });
  // A description that only repeats the title is not worth reading twice.
  section.append(...(feature.description === feature.title ? [heading, form] : [heading, about, form]));
  return section;
}

// Tests import this file without a browser.
if (typeof document !== 'undefined') {
  start(document);
}
"#;

const SERVER_JS: &str = r#"// Serves the app: `node server.js`, then open http://localhost:3000 (PORT
// changes the port). Browsers load JavaScript modules only over HTTP.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

const server = createServer(async (request, response) => {
  try {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    // Only the project's own files, and none of its hidden ones (.git).
    const isHidden = path.split('/').some((part) => part.startsWith('.'));
    if (!file.startsWith(root) || isHidden) {
      response.writeHead(404).end('Not found');
      return;
    }
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404).end('Not found');
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, () => console.log(`Serving on http://localhost:${port}`));
"#;

const APP_TEST_JS: &str = r#"import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../src/app.js';
import { createState, findItem, withItems } from '../src/store.js';
import { features } from '../src/features/index.js';

test('a new state has no items', () => {
  assert.deepEqual(createState(), { items: [], nextId: 1 });
});

test('items are found by their text, ignoring case and spaces', () => {
  const state = withItems('Milk', 'Bread');
  assert.equal(findItem(state, ' bread ')?.text, 'Bread');
  assert.equal(findItem(state, 'Eggs'), undefined);
});

test('every registered feature describes itself and runs', () => {
  const slugs = features.map((module) => module.feature.slug);
  assert.equal(new Set(slugs).size, slugs.length, 'slugs are unique');
  for (const module of features) {
    assert.ok(module.feature.title, `${module.feature.slug} has a title`);
    assert.equal(typeof module.run, 'function');
  }
});

test('the page script loads outside a browser', () => {
  assert.equal(typeof start, 'function');
});
"#;

const FEATURE_MODULE: &str = r#"// Feature index __INDEX__ in feature_list.json: __COMMENT__
__IMPORTS__
export const feature = {
  slug: __SLUG__,
  title: __TITLE__,
  description: __DESCRIPTION__,
  inputLabel: __INPUT_LABEL__,
  buttonLabel: __BUTTON_LABEL__,
  needsInput: __NEEDS_INPUT__,
};

__RUN__"#;

const IMPORT_FIND_ITEM: &str = "import { findItem } from '../store.js';\n";

const RUN_ADD: &str = r#"// Adds the typed text as a new item; blank input changes nothing.
export function run(state, input) {
  const text = String(input ?? '').trim();
  if (text === '') {
    return { state, message: 'Type something to add first.' };
  }
  const item = { id: state.nextId, text, done: false };
  return {
    state: { ...state, items: [...state.items, item], nextId: state.nextId + 1 },
    message: `Added “${text}”.`,
  };
}
"#;

const RUN_REMOVE: &str = r#"// Removes the item whose text was typed.
export function run(state, input) {
  const item = findItem(state, input);
  if (!item) {
    return { state, message: `There is no item called “${String(input ?? '').trim()}”.` };
  }
  return {
    state: { ...state, items: state.items.filter((other) => other.id !== item.id) },
    message: `Removed “${item.text}”.`,
  };
}
"#;

const RUN_RENAME: &str = r#"// Changes an item's text; the input reads “old text => new text”.
export function run(state, input) {
  const typed = String(input ?? '');
  const arrow = typed.indexOf('=>');
  const oldText = arrow < 0 ? '' : typed.slice(0, arrow).trim();
  const newText = arrow < 0 ? '' : typed.slice(arrow + 2).trim();
  if (oldText === '' || newText === '') {
    return { state, message: 'Write the change as “old text => new text”.' };
  }
  const item = findItem(state, oldText);
  if (!item) {
    return { state, message: `There is no item called “${oldText}”.` };
  }
  return {
    state: {
      ...state,
      items: state.items.map((other) => (other.id === item.id ? { ...other, text: newText } : other)),
    },
    message: `Renamed “${item.text}” to “${newText}”.`,
  };
}
"#;

const RUN_COMPLETE: &str = r#"// Marks the item whose text was typed as done, or as not done again.
export function run(state, input) {
  const item = findItem(state, input);
  if (!item) {
    return { state, message: `There is no item called “${String(input ?? '').trim()}”.` };
  }
  const done = !item.done;
  return {
    state: {
      ...state,
      items: state.items.map((other) => (other.id === item.id ? { ...other, done } : other)),
    },
    message: `Marked “${item.text}” as ${done ? 'done' : 'not done'}.`,
  };
}
"#;

const RUN_SEARCH: &str = r#"// Finds the items whose text contains the typed words, ignoring case.
export function run(state, input) {
  const query = String(input ?? '').trim().toLowerCase();
  const matches = state.items.filter((item) => item.text.toLowerCase().includes(query));
  if (matches.length === 0) {
    return { state, message: 'No items match.' };
  }
  return { state, message: `Found ${matches.length}: ${matches.map((item) => item.text).join(', ')}.` };
}
"#;

const RUN_SORT: &str = r#"// Puts the items in alphabetical order, ignoring case.
export function run(state) {
  const items = [...state.items].sort((a, b) => compareText(a.text, b.text));
  return { state: { ...state, items }, message: 'Sorted the items from A to Z.' };
}

function compareText(a, b) {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
"#;

const RUN_SUMMARISE: &str = r#"// Counts the items, and how many are done and still open.
export function run(state) {
  const total = state.items.length;
  const done = state.items.filter((item) => item.done).length;
  return { state, message: `${total} ${total === 1 ? 'item' : 'items'}, ${done} done, ${total - done} open.` };
}
"#;

const FEATURE_TEST: &str = r#"// Tests of feature index __INDEX__ in feature_list.json: __COMMENT__
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { __STORE_IMPORT__ } from '../src/store.js';
import { feature, run } from '../src/features/__MODULE_FILE__';

test(`${feature.title}: describes itself for the page`, () => {
  assert.equal(feature.slug, __SLUG__);
  assert.ok(feature.title.length > 0);
  assert.equal(typeof feature.needsInput, 'boolean');
});
__TESTS__"#;

const TESTS_ADD: &str = r#"
test(`${feature.title}: adds the typed text as a new item`, () => {
  const before = createState();
  const { state, message } = run(before, '  Milk  ');
  assert.deepEqual(state.items, [{ id: 1, text: 'Milk', done: false }]);
  assert.equal(message, 'Added “Milk”.');
  assert.deepEqual(before.items, [], 'the earlier state is left as it was');
});

test(`${feature.title}: ignores blank input`, () => {
  const before = createState();
  assert.equal(run(before, '   ').state, before);
});
"#;

const TESTS_REMOVE: &str = r#"
test(`${feature.title}: removes the item with the typed text`, () => {
  const before = withItems('Milk', 'Bread');
  const { state, message } = run(before, 'milk');
  assert.deepEqual(state.items.map((item) => item.text), ['Bread']);
  assert.equal(message, 'Removed “Milk”.');
  assert.equal(before.items.length, 2, 'the earlier state is left as it was');
});

test(`${feature.title}: says so when no item has that text`, () => {
  const before = withItems('Milk');
  const { state, message } = run(before, 'Eggs');
  assert.equal(state, before);
  assert.equal(message, 'There is no item called “Eggs”.');
});
"#;

const TESTS_RENAME: &str = r#"
test(`${feature.title}: changes the text of the named item`, () => {
  const before = withItems('Milk', 'Bread');
  const { state, message } = run(before, 'milk => Oat milk');
  assert.deepEqual(state.items.map((item) => item.text), ['Oat milk', 'Bread']);
  assert.equal(message, 'Renamed “Milk” to “Oat milk”.');
  assert.equal(before.items[0].text, 'Milk', 'the earlier state is left as it was');
});

test(`${feature.title}: asks for “old => new” when the arrow is missing`, () => {
  const before = withItems('Milk');
  const { state, message } = run(before, 'Milk');
  assert.equal(state, before);
  assert.match(message, /old text => new text/);
});
"#;

const TESTS_COMPLETE: &str = r#"
test(`${feature.title}: marks the named item as done, then as not done`, () => {
  const before = withItems('Milk', 'Bread');
  const once = run(before, 'MILK');
  assert.deepEqual(once.state.items.map((item) => item.done), [true, false]);
  assert.equal(once.message, 'Marked “Milk” as done.');
  const twice = run(once.state, 'Milk');
  assert.deepEqual(twice.state.items.map((item) => item.done), [false, false]);
  assert.equal(twice.message, 'Marked “Milk” as not done.');
  assert.equal(before.items[0].done, false, 'the earlier state is left as it was');
});

test(`${feature.title}: says so when no item has that text`, () => {
  const before = withItems('Milk');
  const { state, message } = run(before, 'Eggs');
  assert.equal(state, before);
  assert.equal(message, 'There is no item called “Eggs”.');
});
"#;

const TESTS_SEARCH: &str = r#"
test(`${feature.title}: finds the items containing the typed words, ignoring case`, () => {
  const before = withItems('Milk', 'Bread', 'Oat milk');
  const { state, message } = run(before, 'MILK');
  assert.equal(message, 'Found 2: Milk, Oat milk.');
  assert.equal(state, before, 'searching changes nothing');
});

test(`${feature.title}: says so when nothing matches`, () => {
  assert.equal(run(withItems('Milk'), 'Eggs').message, 'No items match.');
});
"#;

const TESTS_SORT: &str = r#"
test(`${feature.title}: puts the items in alphabetical order, ignoring case`, () => {
  const before = withItems('pears', 'Apples', 'bananas');
  const { state } = run(before);
  assert.deepEqual(state.items.map((item) => item.text), ['Apples', 'bananas', 'pears']);
  assert.deepEqual(
    before.items.map((item) => item.text),
    ['pears', 'Apples', 'bananas'],
    'the earlier state is left as it was',
  );
});

test(`${feature.title}: keeps an empty list empty`, () => {
  assert.deepEqual(run(withItems()).state.items, []);
});
"#;

const TESTS_SUMMARISE: &str = r#"
test(`${feature.title}: counts the items, done and open`, () => {
  const listed = withItems('Milk', 'Bread');
  const state = { ...listed, items: listed.items.map((item, at) => ({ ...item, done: at === 0 })) };
  assert.equal(run(state).message, '2 items, 1 done, 1 open.');
});

test(`${feature.title}: counts an empty list`, () => {
  assert.equal(run(withItems()).message, '0 items, 0 done, 0 open.');
});
"#;
