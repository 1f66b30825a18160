
def test_changes_the_text_of_the_named_item(self):
    before = with_items("Milk", "Bread")
    state, message = run(before, "milk => Oat milk")
    self.assertEqual([item["text"] for item in state["items"]], ["Oat milk", "Bread"])
    self.assertEqual(message, "Renamed “Milk” to “Oat milk”.")
    self.assertEqual(before["items"][0]["text"], "Milk", "the earlier state is left as it was")

def test_asks_for_old_and_new_text_when_the_arrow_is_missing(self):
    before = with_items("Milk")
    state, message = run(before, "Milk")
    self.assertIs(state, before)
    self.assertIn("old text => new text", message)
