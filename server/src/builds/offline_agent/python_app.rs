//! The Python flavour of an offline-built app, for sandboxes without Node.js:
//! standard library only, a page served by `http.server`, and `unittest`.
//! Features are pure functions over one list of items; the server owns the state.

use super::behaviour::Behaviour;
use super::design::FeatureDesign;
use super::stack::{fill, one_line, string_literal, GeneratedFile};

pub const TEST_COMMAND: &str = "python3 -m unittest discover -s tests -v";
pub const REGISTRY_PATH: &str = "app/features/__init__.py";

pub const HOW_TO_RUN: &str = "\
- Check the tools: `sh init.sh`
- Run the tests: `python3 -m unittest discover -s tests -v`
- Start the app: `python3 main.py`, then open http://localhost:8000";

pub const LAYOUT: &str = "\
- `main.py`: the web server; `app/page.py` draws the page with a small form per registered feature.
- `app/store.py`: the shared state (a list of items) and helpers; features never change a state in place.
- `app/features/<module>.py`: one module per feature (`FEATURE` metadata and a pure `run(state, text)`), \
registered in `app/features/__init__.py`.
- `tests/test_<module>.py`: each feature's tests; `tests/test_app.py` checks the store, page and registry.";

pub fn module_path(design: &FeatureDesign) -> String {
    format!("app/features/{}.py", design.python_module())
}

pub fn test_path(design: &FeatureDesign) -> String {
    format!("tests/test_{}.py", design.python_module())
}

pub fn skeleton(app_name: &str) -> Vec<GeneratedFile> {
    vec![
        GeneratedFile::new("main.py", MAIN_PY),
        GeneratedFile::new("app/__init__.py", "# The app's code: the store, the page and the features.\n"),
        GeneratedFile::new("app/store.py", STORE_PY),
        GeneratedFile::new("app/page.py", fill(PAGE_PY, &[("__APP_NAME__", &string_literal(app_name))])),
        GeneratedFile::new(REGISTRY_PATH, registry(&[])),
        GeneratedFile::new("tests/test_app.py", APP_TEST_PY),
    ]
}

/// `app/features/__init__.py` listing these features.
pub fn registry(registered: &[&FeatureDesign]) -> String {
    let mut text = String::from(
        "# Every feature module of the app, in the order of feature_list.json.\n\
         # The build agent rewrites this file as it adds features.\n",
    );
    if registered.is_empty() {
        text.push_str("\nFEATURES = []\n");
        return text;
    }
    for design in registered {
        text.push_str(&format!("from app.features import {}\n", design.python_module()));
    }
    text.push_str("\nFEATURES = [\n");
    for design in registered {
        text.push_str(&format!("    {},\n", design.python_module()));
    }
    text.push_str("]\n");
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
    let input_label = behaviour.input_label().map_or_else(|| "None".to_owned(), string_literal);
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
            ("__NEEDS_INPUT__", if behaviour.input_label().is_some() { "True" } else { "False" }),
            ("__RUN__", run),
        ],
    )
}

pub fn feature_test(design: &FeatureDesign) -> String {
    let (store_import, tests) = match design.behaviour {
        Behaviour::Add => ("create_state", TESTS_ADD),
        Behaviour::Remove => ("with_items", TESTS_REMOVE),
        Behaviour::Rename => ("with_items", TESTS_RENAME),
        Behaviour::Complete => ("with_items", TESTS_COMPLETE),
        Behaviour::Search => ("with_items", TESTS_SEARCH),
        Behaviour::Sort => ("with_items", TESTS_SORT),
        Behaviour::Summarise => ("with_items", TESTS_SUMMARISE),
    };
    fill(
        FEATURE_TEST,
        &[
            ("__INDEX__", &design.index.to_string()),
            ("__COMMENT__", &one_line(&design.description)),
            ("__MODULE__", &design.python_module()),
            ("__STORE_IMPORT__", store_import),
            ("__CLASS__", &format!("Feature{}Test", design.index + 1)),
            ("__SLUG__", &string_literal(&design.slug)),
            ("__TESTS__", tests),
        ],
    )
}

pub const INIT_SCRIPT: &str = r#"#!/bin/sh
# Checks that the tools this project needs are here and prints their versions.
set -e
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 is missing: install Python 3.8 or newer." >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)'; then
  echo "$(python3 --version) is too old: the app needs 3.8 or newer." >&2
  exit 1
fi
python3 --version
if command -v git >/dev/null 2>&1; then
  git --version
else
  echo "git is missing (only needed for the history)."
fi
echo "Tests: python3 -m unittest discover -s tests -v"
echo "App:   python3 main.py, then open http://localhost:8000"
"#;

const MAIN_PY: &str = r#"# Serves the app: python3 main.py, then open http://localhost:8000 (PORT changes the port).
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

from app.features import FEATURES
from app.page import render_page
from app.store import create_state


class AppHandler(BaseHTTPRequestHandler):
    # One state for everyone who opens the page: this is a small demo app,
    # and the server answers one request at a time.
    state = create_state()
    message = ""

    def do_GET(self):
        if self.path != "/":
            self.send_error(404)
            return
        self.respond(render_page(AppHandler.state, AppHandler.message))

    def do_POST(self):
        prefix, _, slug = self.path.rpartition("/")
        module = next((m for m in FEATURES if m.FEATURE["slug"] == slug), None)
        if prefix != "/features" or module is None:
            self.send_error(404)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400)
            return
        form = parse_qs(self.rfile.read(length).decode("utf-8", errors="replace"))
        AppHandler.state, AppHandler.message = module.run(AppHandler.state, form.get("text", [""])[0])
        self.send_response(303)
        self.send_header("Location", "/")
        self.end_headers()

    def respond(self, page):
        body = page.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"Serving on http://localhost:{port}")
    HTTPServer(("", port), AppHandler).serve_forever()
"#;

const STORE_PY: &str = r#"# The app's state: one list of items that every feature reads and changes.
# Features never change a state in place; they return a new one, which keeps
# them easy to test.


def create_state():
    return {"items": [], "next_id": 1}


def with_items(*texts):
    """A state holding these items, none done: for tests and demos."""
    state = create_state()
    for text in texts:
        item = {"id": state["next_id"], "text": text, "done": False}
        state = {**state, "items": state["items"] + [item], "next_id": state["next_id"] + 1}
    return state


def find_item(state, text):
    """The item whose text is `text`, ignoring case and surrounding spaces."""
    wanted = str(text or "").strip().lower()
    for item in state["items"]:
        if item["text"].lower() == wanted:
            return item
    return None
"#;

const PAGE_PY: &str = r#"# The app's one page: the items, the last message, and a form per feature.
import html

from app.features import FEATURES

APP_NAME = __APP_NAME__

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; }
section { border-top: 1px solid #ddd; padding: 0.5rem 0; }
label { display: block; margin-bottom: 0.25rem; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.done { text-decoration: line-through; color: #555; }
"""


def render_page(state, message):
    """The whole page as HTML; everything users typed is escaped."""
    items = "".join(render_item(item) for item in state["items"]) or "<li>No items yet.</li>"
    sections = "".join(render_feature(module.FEATURE) for module in FEATURES)
    if not sections:
        sections = "<p>No features yet: the build agent adds them one by one.</p>"
    name = html.escape(APP_NAME)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{name}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{name}</h1>"
        f'<section><h2>Items</h2><ul id="items">{items}</ul>'
        f'<p role="status">{html.escape(message)}</p></section>'
        f"{sections}</main></body></html>\n"
    )


def render_item(item):
    if item["done"]:
        return f'<li class="done">{html.escape(item["text"])} (done)</li>'
    return f'<li>{html.escape(item["text"])}</li>'


def render_feature(feature):
    slug = html.escape(feature["slug"])
    field = ""
    if feature["needs_input"]:
        field = (
            f'<label for="input-{slug}">{html.escape(feature["input_label"])}</label>'
            f'<input id="input-{slug}" name="text" required> '
        )
    about = ""
    # A description that only repeats the title is not worth reading twice.
    if feature["description"] != feature["title"]:
        about = f'<p>{html.escape(feature["description"])}</p>'
    return (
        f'<section><h2>{html.escape(feature["title"])}</h2>{about}'
        f'<form method="post" action="/features/{slug}">{field}'
        f'<button type="submit">{html.escape(feature["button_label"])}</button></form></section>'
    )
"#;

const APP_TEST_PY: &str = r#"import unittest

import main
from app.features import FEATURES
from app.page import render_page
from app.store import create_state, find_item, with_items


class AppTest(unittest.TestCase):
    def test_a_new_state_has_no_items(self):
        self.assertEqual(create_state(), {"items": [], "next_id": 1})

    def test_items_are_found_by_their_text_ignoring_case_and_spaces(self):
        state = with_items("Milk", "Bread")
        self.assertEqual(find_item(state, " bread ")["text"], "Bread")
        self.assertIsNone(find_item(state, "Eggs"))

    def test_every_registered_feature_describes_itself_and_runs(self):
        slugs = [module.FEATURE["slug"] for module in FEATURES]
        self.assertEqual(len(set(slugs)), len(slugs), "slugs are unique")
        for module in FEATURES:
            self.assertTrue(module.FEATURE["title"])
            self.assertTrue(callable(module.run))

    def test_the_page_escapes_what_users_typed(self):
        page = render_page(with_items("<b>Milk</b>"), "Added <b>")
        self.assertIn("&lt;b&gt;Milk&lt;/b&gt;", page)
        self.assertNotIn("<b>", page)

    def test_the_server_module_loads(self):
        self.assertTrue(callable(main.AppHandler.do_GET))


if __name__ == "__main__":
    unittest.main()
"#;

const FEATURE_MODULE: &str = r#"# Feature index __INDEX__ in feature_list.json: __COMMENT__
__IMPORTS__
FEATURE = {
    "slug": __SLUG__,
    "title": __TITLE__,
    "description": __DESCRIPTION__,
    "input_label": __INPUT_LABEL__,
    "button_label": __BUTTON_LABEL__,
    "needs_input": __NEEDS_INPUT__,
}

__RUN__"#;

const IMPORT_FIND_ITEM: &str = "from app.store import find_item\n";

const RUN_ADD: &str = r#"
def run(state, text):
    """Adds the typed text as a new item; blank input changes nothing."""
    text = str(text or "").strip()
    if not text:
        return state, "Type something to add first."
    item = {"id": state["next_id"], "text": text, "done": False}
    return {**state, "items": state["items"] + [item], "next_id": state["next_id"] + 1}, f"Added “{text}”."
"#;

const RUN_REMOVE: &str = r#"
def run(state, text):
    """Removes the item whose text was typed."""
    item = find_item(state, text)
    if item is None:
        return state, f"There is no item called “{str(text or '').strip()}”."
    items = [other for other in state["items"] if other["id"] != item["id"]]
    return {**state, "items": items}, f"Removed “{item['text']}”."
"#;

const RUN_RENAME: &str = r#"
def run(state, text):
    """Changes an item's text; the input reads “old text => new text”."""
    old_text, arrow, new_text = str(text or "").partition("=>")
    old_text, new_text = old_text.strip(), new_text.strip()
    if not arrow or not old_text or not new_text:
        return state, "Write the change as “old text => new text”."
    item = find_item(state, old_text)
    if item is None:
        return state, f"There is no item called “{old_text}”."
    items = [{**other, "text": new_text} if other["id"] == item["id"] else other for other in state["items"]]
    return {**state, "items": items}, f"Renamed “{item['text']}” to “{new_text}”."
"#;

const RUN_COMPLETE: &str = r#"
def run(state, text):
    """Marks the item whose text was typed as done, or as not done again."""
    item = find_item(state, text)
    if item is None:
        return state, f"There is no item called “{str(text or '').strip()}”."
    done = not item["done"]
    items = [{**other, "done": done} if other["id"] == item["id"] else other for other in state["items"]]
    word = "done" if done else "not done"
    return {**state, "items": items}, f"Marked “{item['text']}” as {word}."
"#;

const RUN_SEARCH: &str = r#"
def run(state, text):
    """Finds the items whose text contains the typed words, ignoring case."""
    query = str(text or "").strip().lower()
    matches = [item["text"] for item in state["items"] if query in item["text"].lower()]
    if not matches:
        return state, "No items match."
    return state, f"Found {len(matches)}: {', '.join(matches)}."
"#;

const RUN_SORT: &str = r#"
def run(state, text=""):
    """Puts the items in alphabetical order, ignoring case."""
    items = sorted(state["items"], key=lambda item: item["text"].lower())
    return {**state, "items": items}, "Sorted the items from A to Z."
"#;

const RUN_SUMMARISE: &str = r#"
def run(state, text=""):
    """Counts the items, and how many are done and still open."""
    total = len(state["items"])
    done = sum(1 for item in state["items"] if item["done"])
    noun = "item" if total == 1 else "items"
    return state, f"{total} {noun}, {done} done, {total - done} open."
"#;

const FEATURE_TEST: &str = r#"# Tests of feature index __INDEX__ in feature_list.json: __COMMENT__
import unittest

from app.features.__MODULE__ import FEATURE, run
from app.store import __STORE_IMPORT__


class __CLASS__(unittest.TestCase):
    def test_describes_itself_for_the_page(self):
        self.assertEqual(FEATURE["slug"], __SLUG__)
        self.assertTrue(FEATURE["title"])
        self.assertIsInstance(FEATURE["needs_input"], bool)
__TESTS__

if __name__ == "__main__":
    unittest.main()
"#;

const TESTS_ADD: &str = r#"
    def test_adds_the_typed_text_as_a_new_item(self):
        before = create_state()
        state, message = run(before, "  Milk  ")
        self.assertEqual(state["items"], [{"id": 1, "text": "Milk", "done": False}])
        self.assertEqual(message, "Added “Milk”.")
        self.assertEqual(before["items"], [], "the earlier state is left as it was")

    def test_ignores_blank_input(self):
        before = create_state()
        self.assertIs(run(before, "   ")[0], before)
"#;

const TESTS_REMOVE: &str = r#"
    def test_removes_the_item_with_the_typed_text(self):
        before = with_items("Milk", "Bread")
        state, message = run(before, "milk")
        self.assertEqual([item["text"] for item in state["items"]], ["Bread"])
        self.assertEqual(message, "Removed “Milk”.")
        self.assertEqual(len(before["items"]), 2, "the earlier state is left as it was")

    def test_says_so_when_no_item_has_that_text(self):
        before = with_items("Milk")
        state, message = run(before, "Eggs")
        self.assertIs(state, before)
        self.assertEqual(message, "There is no item called “Eggs”.")
"#;

const TESTS_RENAME: &str = r#"
    def test_changes_the_text_of_the_named_item(self):
        before = with_items("Milk", "Bread")
        state, message = run(before, "milk => Oat milk")
        self.assertEqual([item["text"] for item in state["items"]], ["Oat milk", "Bread"])
        self.assertEqual(message, "Renamed “Milk” to “Oat milk”.")
        self.assertEqual(before["items"][0]["text"], "Milk", "the earlier state is left as it was")

    def test_asks_for_old_and_new_text_when_the_arrow_is_missing(self):
        before = with_items("Milk")
        state, message = run(before, "Milk")
        self.assertIs(state, before)
        self.assertIn("old text => new text", message)
"#;

const TESTS_COMPLETE: &str = r#"
    def test_marks_the_named_item_as_done_then_as_not_done(self):
        before = with_items("Milk", "Bread")
        once, message = run(before, "MILK")
        self.assertEqual([item["done"] for item in once["items"]], [True, False])
        self.assertEqual(message, "Marked “Milk” as done.")
        twice, message = run(once, "Milk")
        self.assertEqual([item["done"] for item in twice["items"]], [False, False])
        self.assertEqual(message, "Marked “Milk” as not done.")
        self.assertFalse(before["items"][0]["done"], "the earlier state is left as it was")

    def test_says_so_when_no_item_has_that_text(self):
        before = with_items("Milk")
        state, message = run(before, "Eggs")
        self.assertIs(state, before)
        self.assertEqual(message, "There is no item called “Eggs”.")
"#;

const TESTS_SEARCH: &str = r#"
    def test_finds_the_items_containing_the_typed_words_ignoring_case(self):
        before = with_items("Milk", "Bread", "Oat milk")
        state, message = run(before, "MILK")
        self.assertEqual(message, "Found 2: Milk, Oat milk.")
        self.assertIs(state, before, "searching changes nothing")

    def test_says_so_when_nothing_matches(self):
        self.assertEqual(run(with_items("Milk"), "Eggs")[1], "No items match.")
"#;

const TESTS_SORT: &str = r#"
    def test_puts_the_items_in_alphabetical_order_ignoring_case(self):
        before = with_items("pears", "Apples", "bananas")
        state, _ = run(before)
        self.assertEqual([item["text"] for item in state["items"]], ["Apples", "bananas", "pears"])
        self.assertEqual(
            [item["text"] for item in before["items"]],
            ["pears", "Apples", "bananas"],
            "the earlier state is left as it was",
        )

    def test_keeps_an_empty_list_empty(self):
        self.assertEqual(run(with_items())[0]["items"], [])
"#;

const TESTS_SUMMARISE: &str = r#"
    def test_counts_the_items_done_and_open(self):
        listed = with_items("Milk", "Bread")
        items = [{**item, "done": at == 0} for at, item in enumerate(listed["items"])]
        self.assertEqual(run({**listed, "items": items})[1], "2 items, 1 done, 1 open.")

    def test_counts_an_empty_list(self):
        self.assertEqual(run(with_items())[1], "0 items, 0 done, 0 open.")
"#;
