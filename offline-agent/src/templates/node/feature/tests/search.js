
test(`${feature.title}: finds the items containing the typed words, ignoring case`, () => {
  const before = withItems('Milk', 'Bread', 'Oat milk');
  const { state, message } = run(before, 'MILK');
  assert.equal(message, 'Found 2: Milk, Oat milk.');
  assert.equal(state, before, 'searching changes nothing');
});

test(`${feature.title}: says so when nothing matches`, () => {
  assert.equal(run(withItems('Milk'), 'Eggs').message, 'No items match.');
});
