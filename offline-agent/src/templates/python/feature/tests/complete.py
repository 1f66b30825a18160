
def test_marks_the_named_item_as_done_then_as_not_done(self):
    before = with_items("Milk", "Bread")
    once, message = run(before, "MILK")
    self.assertEqual([item["done"] for item in once["items"]], [True, False])
    self.assertEqual(message, "Marked “Milk” as done.")
    twice, message = run(once, "Milk")
    self.assertEqual([item["done"] for item in twice["items"]], [False, False])
    self.assertEqual(message, "Marked “Milk” as not done.")
    self.assertFalse(before["items"][0]["done"], "the earlier state is left as it was")

def test_says_so_when_no_item_has_that_text(self):
    before = with_items("Milk")
    state, message = run(before, "Eggs")
    self.assertIs(state, before)
    self.assertEqual(message, "There is no item called “Eggs”.")
