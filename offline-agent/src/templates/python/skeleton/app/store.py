# The app's state: one list of items that every feature reads and changes.
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
