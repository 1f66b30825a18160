
def run(state, text):
    """Marks the item whose text was typed as done, or as not done again."""
    item = find_item(state, text)
    if item is None:
        return state, f"There is no item called “{str(text or '').strip()}”."
    done = not item["done"]
    items = [{**other, "done": done} if other["id"] == item["id"] else other for other in state["items"]]
    word = "done" if done else "not done"
    return {**state, "items": items}, f"Marked “{item['text']}” as {word}."
