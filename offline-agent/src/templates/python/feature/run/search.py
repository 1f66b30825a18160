
def run(state, text):
    """Finds the items whose text contains the typed words, ignoring case."""
    query = str(text or "").strip().lower()
    matches = [item["text"] for item in state["items"] if query in item["text"].lower()]
    if not matches:
        return state, "No items match."
    return state, f"Found {len(matches)}: {', '.join(matches)}."
