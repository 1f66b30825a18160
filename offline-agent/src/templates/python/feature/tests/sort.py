
def test_puts_the_items_in_alphabetical_order_ignoring_case(self):
    before = with_items("pears", "Apples", "bananas")
    state, _ = run(before)
    self.assertEqual([item["text"] for item in state["items"]], ["Apples", "bananas", "pears"])
    self.assertEqual(
        [item["text"] for item in before["items"]],
        ["pears", "Apples", "bananas"],
        "the earlier state is left as it was",
    )

def test_keeps_an_empty_list_empty(self):
    self.assertEqual(run(with_items())[0]["items"], [])
