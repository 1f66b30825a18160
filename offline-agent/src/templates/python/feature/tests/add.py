
def test_adds_the_typed_text_as_a_new_item(self):
    before = create_state()
    state, message = run(before, "  Milk  ")
    self.assertEqual(state["items"], [{"id": 1, "text": "Milk", "done": False}])
    self.assertEqual(message, "Added “Milk”.")
    self.assertEqual(before["items"], [], "the earlier state is left as it was")

def test_ignores_blank_input(self):
    before = create_state()
    self.assertIs(run(before, "   ")[0], before)
