
test(`${feature.title}: changes the text of the named item`, () => {
  const before = withItems('Milk', 'Bread');
  const { state, message } = run(before, 'milk => Oat milk');
  assert.deepEqual(state.items.map((item) => item.text), ['Oat milk', 'Bread']);
  assert.equal(message, 'Renamed “Milk” to “Oat milk”.');
  assert.equal(before.items[0].text, 'Milk', 'the earlier state is left as it was');
});

test(`${feature.title}: asks for “old => new” when the arrow is missing`, () => {
  const before = withItems('Milk');
  const { state, message } = run(before, 'Milk');
  assert.equal(state, before);
  assert.match(message, /old text => new text/);
});
