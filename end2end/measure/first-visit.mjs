// What a first visit to each page downloads: the WASM and JavaScript it
// fetches with an empty cache, raw and as gzip (level 9) and brotli
// (quality 11) would carry it, and how long until the page is hydrated on a
// slow phone network (Chromium's emulation: 150 ms round trip, 1.6 Mbit/s
// down, 750 kbit/s up, HTTP/1.1 as the server speaks it without TLS). Run
// by scripts/wasm-sizes against a release server at BASE_URL; prints one
// row per page and the largest first visit.
import { chromium } from '@playwright/test';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const baseURL = process.env.BASE_URL;
if (!baseURL) throw new Error('BASE_URL is not set');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});

// A signed-in user with one spec, one chat and one build (cancelled at once,
// so its page ends its live stream and the network goes idle), made through
// the API.
const setup = await browser.newContext({ baseURL });
const email = `sizes-${Date.now()}@example.com`;
const signUp = await setup.request.post('/fn/sign_up', {
  form: { email, display_name: 'Sizes', password: 'measure-the-bundle-1' },
});
if (!signUp.ok()) throw new Error(`sign-up answered ${signUp.status()}`);
const spec = await (await setup.request.post('/api/specs', {
  data: { name: 'Todo', content: '# Todo\n\n- add items\n- tick them off\n' },
})).json();
const chat = await (await setup.request.post('/api/chats', { data: { message: 'A todo app, please.' } })).json();
const build = await (await setup.request.post('/api/builds', { data: { spec_id: spec.id } })).json();
const cancelled = await setup.request.post(`/api/builds/${build.id}/cancel`);
if (!cancelled.ok()) throw new Error(`cancelling the build answered ${cancelled.status()}`);
const cookies = await setup.cookies();
await setup.close();

const pages = [
  ['sign-in', '/sign-in', false],
  ['dashboard', '/', true],
  ['specs', '/specs', true],
  ['spec', `/specs/${spec.id}`, true],
  ['chat', `/chat/${chat.id}`, true],
  ['build', `/builds/${build.id}`, true],
  ['wizard', '/wizard', true],
  ['builds', '/builds', true],
  ['projects', '/projects', true],
  ['settings', '/settings', true],
];

const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`.padStart(9);
const SLOW_PHONE = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};

// Milliseconds from navigation until the page is hydrated (the frontend
// marks <html data-hydrated>), with an empty cache on the slow network.
async function hydratedAfter(path, signedIn) {
  const context = await browser.newContext({ baseURL });
  if (signedIn) await context.addCookies(cookies);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_PHONE);
  const started = Date.now();
  await page.goto(path, { waitUntil: 'commit' });
  await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached', timeout: 120_000 });
  const elapsed = Date.now() - started;
  await context.close();
  return elapsed;
}
const rows = [];
for (const [name, path, signedIn] of pages) {
  // A fresh context has an empty cache: this is a first visit.
  const context = await browser.newContext({ baseURL });
  if (signedIn) await context.addCookies(cookies);
  const page = await context.newPage();
  const bodies = [];
  page.on('response', (response) => {
    const url = response.url();
    if (/\.(wasm|js)(\?|$)/.test(url)) bodies.push(response.body().then((body) => [url, body]));
  });
  await page.goto(path, { waitUntil: 'networkidle' });
  const total = { wasm: { raw: 0, gzip: 0, brotli: 0, files: 0 }, js: { raw: 0, gzip: 0, brotli: 0, files: 0 } };
  for (const [url, body] of await Promise.all(bodies)) {
    const kind = /\.wasm(\?|$)/.test(url) ? 'wasm' : 'js';
    for (const [key, value] of Object.entries(sizes(body))) total[kind][key] += value;
    total[kind].files += 1;
  }
  await context.close();
  rows.push([name, total, await hydratedAfter(path, signedIn)]);
}
await browser.close();

console.log(`${'page'.padEnd(10)} ${'files'.padStart(5)} ${'WASM raw'.padStart(9)} ${'gzip'.padStart(9)} ${'brotli'.padStart(9)}   ${'JS raw'.padStart(9)} ${'gzip'.padStart(9)} ${'brotli'.padStart(9)}   ${'hydrated (slow phone)'.padStart(21)}`);
for (const [name, { wasm, js }, hydrated] of rows) {
  const seconds = `${(hydrated / 1000).toFixed(1)} s`.padStart(21);
  console.log(`${name.padEnd(10)} ${String(wasm.files + js.files).padStart(5)} ${kib(wasm.raw)} ${kib(wasm.gzip)} ${kib(wasm.brotli)}   ${kib(js.raw)} ${kib(js.gzip)} ${kib(js.brotli)}   ${seconds}`);
}
const largest = rows.reduce((a, b) => (b[1].wasm.brotli > a[1].wasm.brotli ? b : a));
console.log(`largest first visit: ${largest[0]}, ${kib(largest[1].wasm.brotli).trim()} of WASM as brotli`);
// The bundle's goals are in kilobytes of 1,000 bytes, a page's WASM as brotli.
const thousands = (n) => `${n.toLocaleString('en-US')} B`;
const byGoal = (goal) => rows.filter(([, { wasm }]) => wasm.brotli > goal).map(([name, { wasm }]) => `${name} ${thousands(wasm.brotli)}`);
console.log(`dashboard: ${thousands(rows.find(([name]) => name === 'dashboard')[1].wasm.brotli)} (goal: at most 250,000 B)`);
console.log(`above 400,000 B: ${byGoal(400_000).join(', ') || 'none'}`);
