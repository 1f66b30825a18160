
def test_counts_the_items_done_and_open(self):
    listed = with_items("Milk", "Bread")
    items = [{**item, "done": at == 0} for at, item in enumerate(listed["items"])]
    self.assertEqual(run({**listed, "items": items})[1], "2 items, 1 done, 1 open.")

def test_counts_an_empty_list(self):
    self.assertEqual(run(with_items())[1], "0 items, 0 done, 0 open.")
