from app.store import find_item
