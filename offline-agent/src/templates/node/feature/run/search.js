// Finds the items whose text contains the typed words, ignoring case.
export function run(state, input) {
  const query = String(input ?? '').trim().toLowerCase();
  const matches = state.items.filter((item) => item.text.toLowerCase().includes(query));
  if (matches.length === 0) {
    return { state, message: 'No items match.' };
  }
  return { state, message: `Found ${matches.length}: ${matches.map((item) => item.text).join(', ')}.` };
}
