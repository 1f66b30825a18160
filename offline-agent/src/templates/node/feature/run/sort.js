// Puts the items in alphabetical order, ignoring case.
export function run(state) {
  const items = [...state.items].sort((a, b) => compareText(a.text, b.text));
  return { state: { ...state, items }, message: 'Sorted the items from A to Z.' };
}

function compareText(a, b) {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
