
test(`${feature.title}: puts the items in alphabetical order, ignoring case`, () => {
  const before = withItems('pears', 'Apples', 'bananas');
  const { state } = run(before);
  assert.deepEqual(state.items.map((item) => item.text), ['Apples', 'bananas', 'pears']);
  assert.deepEqual(
    before.items.map((item) => item.text),
    ['pears', 'Apples', 'bananas'],
    'the earlier state is left as it was',
  );
});

test(`${feature.title}: keeps an empty list empty`, () => {
  assert.deepEqual(run(withItems()).state.items, []);
});
