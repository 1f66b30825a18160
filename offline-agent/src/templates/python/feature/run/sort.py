
def run(state, text=""):
    """Puts the items in alphabetical order, ignoring case."""
    items = sorted(state["items"], key=lambda item: item["text"].lower())
    return {**state, "items": items}, "Sorted the items from A to Z."
