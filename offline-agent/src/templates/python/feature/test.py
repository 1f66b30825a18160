# Tests of feature index __INDEX__ in feature_list.json: __COMMENT__
import unittest

from app.features.__MODULE__ import FEATURE, run
from app.store import __STORE_IMPORT__


class __CLASS__(unittest.TestCase):
    def test_describes_itself_for_the_page(self):
        self.assertEqual(FEATURE["slug"], __SLUG__)
        self.assertTrue(FEATURE["title"])
        self.assertIsInstance(FEATURE["needs_input"], bool)
__TESTS__

if __name__ == "__main__":
    unittest.main()
