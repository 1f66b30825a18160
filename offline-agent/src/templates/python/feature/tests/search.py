
def test_finds_the_items_containing_the_typed_words_ignoring_case(self):
    before = with_items("Milk", "Bread", "Oat milk")
    state, message = run(before, "MILK")
    self.assertEqual(message, "Found 2: Milk, Oat milk.")
    self.assertIs(state, before, "searching changes nothing")

def test_says_so_when_nothing_matches(self):
    self.assertEqual(run(with_items("Milk"), "Eggs")[1], "No items match.")
