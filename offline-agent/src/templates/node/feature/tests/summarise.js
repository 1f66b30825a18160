
test(`${feature.title}: counts the items, done and open`, () => {
  const listed = withItems('Milk', 'Bread');
  const state = { ...listed, items: listed.items.map((item, at) => ({ ...item, done: at === 0 })) };
  assert.equal(run(state).message, '2 items, 1 done, 1 open.');
});

test(`${feature.title}: counts an empty list`, () => {
  assert.equal(run(withItems()).message, '0 items, 0 done, 0 open.');
});
