
test(`${feature.title}: removes the item with the typed text`, () => {
  const before = withItems('Milk', 'Bread');
  const { state, message } = run(before, 'milk');
  assert.deepEqual(state.items.map((item) => item.text), ['Bread']);
  assert.equal(message, 'Removed “Milk”.');
  assert.equal(before.items.length, 2, 'the earlier state is left as it was');
});

test(`${feature.title}: says so when no item has that text`, () => {
  const before = withItems('Milk');
  const { state, message } = run(before, 'Eggs');
  assert.equal(state, before);
  assert.equal(message, 'There is no item called “Eggs”.');
});
