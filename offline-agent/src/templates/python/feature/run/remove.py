
def run(state, text):
    """Removes the item whose text was typed."""
    item = find_item(state, text)
    if item is None:
        return state, f"There is no item called “{str(text or '').strip()}”."
    items = [other for other in state["items"] if other["id"] != item["id"]]
    return {**state, "items": items}, f"Removed “{item['text']}”."
