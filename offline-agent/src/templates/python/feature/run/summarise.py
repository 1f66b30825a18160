
def run(state, text=""):
    """Counts the items, and how many are done and still open."""
    total = len(state["items"])
    done = sum(1 for item in state["items"] if item["done"])
    noun = "item" if total == 1 else "items"
    return state, f"{total} {noun}, {done} done, {total - done} open."
