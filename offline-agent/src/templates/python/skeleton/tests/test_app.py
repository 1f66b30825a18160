import unittest

import main
from app.features import FEATURES
from app.page import render_page
from app.store import create_state, find_item, with_items


class AppTest(unittest.TestCase):
    def test_a_new_state_has_no_items(self):
        self.assertEqual(create_state(), {"items": [], "next_id": 1})

    def test_items_are_found_by_their_text_ignoring_case_and_spaces(self):
        state = with_items("Milk", "Bread")
        self.assertEqual(find_item(state, " bread ")["text"], "Bread")
        self.assertIsNone(find_item(state, "Eggs"))

    def test_every_registered_feature_describes_itself_and_runs(self):
        slugs = [module.FEATURE["slug"] for module in FEATURES]
        self.assertEqual(len(set(slugs)), len(slugs), "slugs are unique")
        for module in FEATURES:
            self.assertTrue(module.FEATURE["title"])
            self.assertTrue(callable(module.run))

    def test_the_page_escapes_what_users_typed(self):
        page = render_page(with_items("<b>Milk</b>"), "Added <b>")
        self.assertIn("&lt;b&gt;Milk&lt;/b&gt;", page)
        self.assertNotIn("<b>", page)

    def test_the_server_module_loads(self):
        self.assertTrue(callable(main.AppHandler.do_GET))


if __name__ == "__main__":
    unittest.main()
