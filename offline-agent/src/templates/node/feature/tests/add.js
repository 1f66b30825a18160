
test(`${feature.title}: adds the typed text as a new item`, () => {
  const before = createState();
  const { state, message } = run(before, '  Milk  ');
  assert.deepEqual(state.items, [{ id: 1, text: 'Milk', done: false }]);
  assert.equal(message, 'Added “Milk”.');
  assert.deepEqual(before.items, [], 'the earlier state is left as it was');
});

test(`${feature.title}: ignores blank input`, () => {
  const before = createState();
  assert.equal(run(before, '   ').state, before);
});
