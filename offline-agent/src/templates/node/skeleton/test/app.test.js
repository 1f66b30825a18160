import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../src/app.js';
import { createState, findItem, withItems } from '../src/store.js';
import { features } from '../src/features/index.js';

test('a new state has no items', () => {
  assert.deepEqual(createState(), { items: [], nextId: 1 });
});

test('items are found by their text, ignoring case and spaces', () => {
  const state = withItems('Milk', 'Bread');
  assert.equal(findItem(state, ' bread ')?.text, 'Bread');
  assert.equal(findItem(state, 'Eggs'), undefined);
});

test('every registered feature describes itself and runs', () => {
  const slugs = features.map((module) => module.feature.slug);
  assert.equal(new Set(slugs).size, slugs.length, 'slugs are unique');
  for (const module of features) {
    assert.ok(module.feature.title, `${module.feature.slug} has a title`);
    assert.equal(typeof module.run, 'function');
  }
});

test('the page script loads outside a browser', () => {
  assert.equal(typeof start, 'function');
});
