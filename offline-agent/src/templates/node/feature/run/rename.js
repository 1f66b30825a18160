// Changes an item's text; the input reads “old text => new text”.
export function run(state, input) {
  const typed = String(input ?? '');
  const arrow = typed.indexOf('=>');
  const oldText = arrow < 0 ? '' : typed.slice(0, arrow).trim();
  const newText = arrow < 0 ? '' : typed.slice(arrow + 2).trim();
  if (oldText === '' || newText === '') {
    return { state, message: 'Write the change as “old text => new text”.' };
  }
  const item = findItem(state, oldText);
  if (!item) {
    return { state, message: `There is no item called “${oldText}”.` };
  }
  return {
    state: {
      ...state,
      items: state.items.map((other) => (other.id === item.id ? { ...other, text: newText } : other)),
    },
    message: `Renamed “${item.text}” to “${newText}”.`,
  };
}
