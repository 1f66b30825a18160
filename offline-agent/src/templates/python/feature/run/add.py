
def run(state, text):
    """Adds the typed text as a new item; blank input changes nothing."""
    text = str(text or "").strip()
    if not text:
        return state, "Type something to add first."
    item = {"id": state["next_id"], "text": text, "done": False}
    return {**state, "items": state["items"] + [item], "next_id": state["next_id"] + 1}, f"Added “{text}”."
