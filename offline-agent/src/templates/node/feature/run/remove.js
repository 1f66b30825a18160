// Removes the item whose text was typed.
export function run(state, input) {
  const item = findItem(state, input);
  if (!item) {
    return { state, message: `There is no item called “${String(input ?? '').trim()}”.` };
  }
  return {
    state: { ...state, items: state.items.filter((other) => other.id !== item.id) },
    message: `Removed “${item.text}”.`,
  };
}
