// The app's state: one list of items that every feature reads and changes.
// Features never change a state in place; they return a new one, which keeps
// them easy to test and the page easy to draw again.

export function createState() {
  return { items: [], nextId: 1 };
}

// A state holding these items, none done: for tests and demos.
export function withItems(...texts) {
  return texts.reduce(
    (state, text) => ({
      ...state,
      items: [...state.items, { id: state.nextId, text, done: false }],
      nextId: state.nextId + 1,
    }),
    createState(),
  );
}

// The item whose text is `text`, ignoring case and surrounding spaces.
export function findItem(state, text) {
  const wanted = String(text ?? '').trim().toLowerCase();
  return state.items.find((item) => item.text.toLowerCase() === wanted);
}
