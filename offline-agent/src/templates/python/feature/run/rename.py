
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
