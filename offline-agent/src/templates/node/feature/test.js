// Tests of feature index __INDEX__ in feature_list.json: __COMMENT__
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { __STORE_IMPORT__ } from '../src/store.js';
import { feature, run } from '../src/features/__MODULE_FILE__';

test(`${feature.title}: describes itself for the page`, () => {
  assert.equal(feature.slug, __SLUG__);
  assert.ok(feature.title.length > 0);
  assert.equal(typeof feature.needsInput, 'boolean');
});
__TESTS__