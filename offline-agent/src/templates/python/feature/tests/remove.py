
def test_removes_the_item_with_the_typed_text(self):
    before = with_items("Milk", "Bread")
    state, message = run(before, "milk")
    self.assertEqual([item["text"] for item in state["items"]], ["Bread"])
    self.assertEqual(message, "Removed “Milk”.")
    self.assertEqual(len(before["items"]), 2, "the earlier state is left as it was")

def test_says_so_when_no_item_has_that_text(self):
    before = with_items("Milk")
    state, message = run(before, "Eggs")
    self.assertIs(state, before)
    self.assertEqual(message, "There is no item called “Eggs”.")
