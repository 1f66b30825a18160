// Adds the typed text as a new item; blank input changes nothing.
export function run(state, input) {
  const text = String(input ?? '').trim();
  if (text === '') {
    return { state, message: 'Type something to add first.' };
  }
  const item = { id: state.nextId, text, done: false };
  return {
    state: { ...state, items: [...state.items, item], nextId: state.nextId + 1 },
    message: `Added “${text}”.`,
  };
}
