
test(`${feature.title}: marks the named item as done, then as not done`, () => {
  const before = withItems('Milk', 'Bread');
  const once = run(before, 'MILK');
  assert.deepEqual(once.state.items.map((item) => item.done), [true, false]);
  assert.equal(once.message, 'Marked “Milk” as done.');
  const twice = run(once.state, 'Milk');
  assert.deepEqual(twice.state.items.map((item) => item.done), [false, false]);
  assert.equal(twice.message, 'Marked “Milk” as not done.');
  assert.equal(before.items[0].done, false, 'the earlier state is left as it was');
});

test(`${feature.title}: says so when no item has that text`, () => {
  const before = withItems('Milk');
  const { state, message } = run(before, 'Eggs');
  assert.equal(state, before);
  assert.equal(message, 'There is no item called “Eggs”.');
});
