// Counts the items, and how many are done and still open.
export function run(state) {
  const total = state.items.length;
  const done = state.items.filter((item) => item.done).length;
  return { state, message: `${total} ${total === 1 ? 'item' : 'items'}, ${done} done, ${total - done} open.` };
}
