# The app's one page: the items, the last message, and a form per feature.
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
