// Marks the item whose text was typed as done, or as not done again.
export function run(state, input) {
  const item = findItem(state, input);
  if (!item) {
    return { state, message: `There is no item called “${String(input ?? '').trim()}”.` };
  }
  const done = !item.done;
  return {
    state: {
      ...state,
      items: state.items.map((other) => (other.id === item.id ? { ...other, done } : other)),
    },
    message: `Marked “${item.text}” as ${done ? 'done' : 'not done'}.`,
  };
}
