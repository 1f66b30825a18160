// The page: the shared list of items, the last message, and one small form
// per registered feature. Features are pure; this file owns the state.
import { createState } from './store.js';
import { features } from './features/index.js';

export function start(page) {
  let state = createState();
  const list = page.getElementById('items');
  const status = page.getElementById('status');
  const container = page.getElementById('features');

  const show = (message) => {
    status.textContent = message;
    const rows = state.items.map((item) => itemRow(page, item));
    list.replaceChildren(...(rows.length > 0 ? rows : [emptyRow(page)]));
  };
  const act = (module, input) => {
    const result = module.run(state, input);
    state = result.state;
    show(result.message);
  };

  if (features.length === 0) {
    container.textContent = 'No features yet: the build agent adds them one by one.';
  } else {
    container.replaceChildren(...features.map((module) => featureSection(page, module, act)));
  }
  show('');
}

function itemRow(page, item) {
  const row = page.createElement('li');
  row.textContent = item.done ? `${item.text} (done)` : item.text;
  if (item.done) {
    row.className = 'done';
  }
  return row;
}

function emptyRow(page) {
  const row = page.createElement('li');
  row.textContent = 'No items yet.';
  return row;
}

function featureSection(page, module, act) {
  const { feature } = module;
  const section = page.createElement('section');
  const heading = page.createElement('h2');
  heading.textContent = feature.title;
  const about = page.createElement('p');
  about.textContent = feature.description;
  const form = page.createElement('form');
  let input = null;
  if (feature.needsInput) {
    const label = page.createElement('label');
    input = page.createElement('input');
    input.id = `input-${feature.slug}`;
    input.required = true;
    label.htmlFor = input.id;
    label.textContent = feature.inputLabel;
    form.append(label, input);
  }
  const button = page.createElement('button');
  button.type = 'submit';
  button.textContent = feature.buttonLabel;
  form.append(button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(module, input ? input.value : '');
    if (input) {
      input.value = '';
      input.focus();
    }
  });
  // A description that only repeats the title is not worth reading twice.
  section.append(...(feature.description === feature.title ? [heading, form] : [heading, about, form]));
  return section;
}

// Tests import this file without a browser.
if (typeof document !== 'undefined') {
  start(document);
}
