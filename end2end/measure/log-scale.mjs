// How the build page copes with a long log: a finished build of 100,000
// log lines (BENCH_LOG_LINES changes it) opened on its Logs view in
// Chromium at a desktop size (1440×900). Prints how long until the
// server-rendered rows show, until the page is hydrated and until the
// build stream has replayed the whole log; what that replay costs the page
// (frames, long tasks, main-thread time, JS heap, WASM memory); then frame
// times while the log is scrolled from top to bottom, 2,000 px an animation
// frame. For comparison, the same history read without the app: by Node
// (the SSE stream to its end, the REST log in pages of 5,000 lines) and by
// a bare page of the same origin (an EventSource, fetch, the REST pages).
//
// Run by scripts/bench-log against a release server at BASE_URL. The user
// and spec are made through the API; the build is written straight into
// the server's database (DATABASE_URL, with the psql at PSQL) in the rows
// the server itself writes, since 100,000 events from a real agent would
// take an hour. Chromium is driven over its DevTools pipe with a few CDP
// commands rather than through Playwright: Playwright always enables the
// Network domain, which then reports every SSE message to Node and makes
// the replay about three times slower than a person's browser (3.5 s
// instead of 1.1 s for 100,000 bare EventSource messages on the 2-core
// machine). BENCH_LOG_PROFILE=1 adds where the main thread's time went
// until the log was loaded, from a CPU profile.
import { request } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const baseURL = process.env.BASE_URL;
const databaseURL = process.env.DATABASE_URL;
if (!baseURL) throw new Error('BASE_URL is not set');
if (!databaseURL) throw new Error('DATABASE_URL is not set');
const psql = process.env.PSQL ?? 'psql';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const totalEvents = Number(process.env.BENCH_LOG_LINES ?? 100_000);
// The page keeps its newest 200,000 lines (MAX_LINES_KEPT in the log's
// module); past that it drops the oldest and no longer shows them all.
if (!Number.isInteger(totalEvents) || totalEvents < 1000 || totalEvents > 200_000) {
  throw new Error('BENCH_LOG_LINES must be a whole number from 1000 to 200000, the most lines a page keeps');
}
const isProfiled = process.env.BENCH_LOG_PROFILE === '1';
const VIEWPORT = { width: 1440, height: 900 };
/** How far each animation frame scrolls the log. */
const SCROLL_STEP_PX = 2000;
/** A frame this long is a dropped frame (two and more missed at 60 Hz). */
const DROPPED_FRAME_MS = 50;
const LOAD_TIMEOUT_MS = 120_000;

// A signed-in user with one spec, made through the API.
const api = await request.newContext({ baseURL });
const signUp = await api.post('/fn/sign_up', {
  form: { email: `log-scale-${Date.now()}@example.com`, display_name: 'Log scale', password: 'measure-the-long-log-1' },
});
if (!signUp.ok()) throw new Error(`sign-up answered ${signUp.status()}`);
const specAnswer = await api.post('/api/specs', {
  data: { name: 'Todo', content: '# Todo\n\n## Features\n\n- add items\n- tick them off\n' },
});
if (!specAnswer.ok()) throw new Error(`creating the spec answered ${specAnswer.status()}`);
const spec = await specAnswer.json();
const { cookies } = await api.storageState();
await api.dispose();
const cookieHeader = cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');

// The build: finished (so no worker claims it), owned by the user, with
// `totalEvents` events numbered 1.. without gaps, each payload a
// `BuildEvent` as serde writes it (`type` the kind) and `kind` its
// `BuildEvent::kind()`. The history reads like a real one: the runner's
// opening, one coding session per feature, and in every turn of 20 events
// a test run printing coloured output, a file written and read, the
// agent's words; a warning every 10th turn; the runner's closing.
const buildId = uuidV7();
const seedSql = String.raw`
\set ON_ERROR_STOP on
BEGIN;
CREATE FUNCTION pg_temp.output(stream text, line text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_build_object('type', 'log', 'stream', stream, 'line', line) $$;
CREATE FUNCTION pg_temp.tool(kind text, turn bigint, step bigint, tool text, summary text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE kind
        WHEN 'tool_start' THEN jsonb_build_object('type', 'tool_start',
            'call_id', format('toolu_offline_%s_%s', turn, step), 'tool', tool, 'summary', summary)
        ELSE jsonb_build_object('type', 'tool_end', 'call_id', format('toolu_offline_%s_%s', turn, step),
            'tool', tool, 'is_error', false, 'duration_ms', 180 + (turn * 37) % 2400)
    END $$;

INSERT INTO builds (id, user_id, app_spec_id, project_id, status, spec_name, spec_content, provider, model,
                    input_tokens, output_tokens, sessions, features_passing, features_total, active_secs,
                    last_event_seq, created_at, started_at, finished_at)
SELECT :'build_id', user_id, id, project_id, 'completed', name, content, 'offline', 'offline-spec-writer',
       4284000, 387600, 51, 50, 50, :total * 3 / 100,
       :total, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour' + :total * interval '30 ms'
FROM app_specs WHERE id = :'spec_id';

WITH numbered AS (
    -- The body (seq 9 to total - 3) in turns of 20 steps; the turns shared
    -- out among 50 features, the last feature taking what is left over.
    SELECT seq, body, turn, step, feature,
           turn = feature * per_feature AS is_first_turn,
           feature < 49 AND turn = (feature + 1) * per_feature - 1 AS is_last_turn,
           chr(27) AS esc
    FROM (
        SELECT seq, body, (seq - 9) / 20 AS turn, (seq - 9) % 20 AS step, per_feature,
               least((seq - 9) / 20 / per_feature, 49) AS feature
        FROM (SELECT :total - 11 AS body, greatest((:total - 11) / 20 / 50, 1) AS per_feature) AS shape,
             generate_series(1, :total) AS seq
    ) AS placed
), events AS (
    SELECT seq, CASE
        -- The runner's opening (BuildService::start, Runner::run).
        WHEN seq = 1 THEN jsonb_build_object('type', 'status', 'status', 'queued', 'reason', NULL)
        WHEN seq = 2 THEN pg_temp.output('system', 'Queued a build of "Todo".')
        WHEN seq = 3 THEN jsonb_build_object('type', 'status', 'status', 'running', 'reason', NULL)
        WHEN seq = 4 THEN pg_temp.output('system', 'A worker picked up the build.')
        WHEN seq = 5 THEN jsonb_build_object('type', 'phase', 'phase', 'preparing', 'session', 0)
        WHEN seq = 6 THEN jsonb_build_object('type', 'phase', 'phase', 'initializing', 'session', 1)
        WHEN seq = 7 THEN pg_temp.output('system', 'Session 1: planning the features.')
        WHEN seq = 8 THEN pg_temp.output('system', 'The agent planned 50 features.')
        -- Its closing.
        WHEN seq = :total - 2 THEN jsonb_build_object('type', 'phase', 'phase', 'finishing', 'session', 51)
        WHEN seq = :total - 1 THEN pg_temp.output('system', 'All 50 features pass; archiving the work directory.')
        WHEN seq = :total THEN jsonb_build_object('type', 'status', 'status', 'completed', 'reason', NULL)
        -- A coding session per feature: its phase and feature first, its result and usage last.
        WHEN is_first_turn AND step = 0 THEN jsonb_build_object('type', 'phase', 'phase', 'coding', 'session', feature + 2)
        WHEN is_first_turn AND step = 1 THEN jsonb_build_object('type', 'feature_start', 'index', feature,
            'description', format('The list keeps item %s after a reload', feature + 1), 'category', 'functional')
        WHEN (is_last_turn AND step = 18) OR seq - 9 = body - 2 THEN jsonb_build_object('type', 'feature_end',
            'index', feature, 'description', format('The list keeps item %s after a reload', feature + 1),
            'passed', true, 'tests_passed', 3 + feature % 7, 'tests_failed', 0)
        WHEN (is_last_turn AND step = 19) OR seq - 9 = body - 1 THEN jsonb_build_object('type', 'session_usage',
            'session', feature + 2, 'model', 'offline-spec-writer', 'input_tokens', 84000, 'output_tokens', 7600)
        -- A turn: run the tests (coloured output on both streams), write a file, read one.
        WHEN step = 0 THEN pg_temp.tool('tool_start', turn, 0, 'run_command', 'npm test')
        WHEN step = 1 THEN pg_temp.output('stdout', format('%s[1m> todo@1.0.0 test%s[22m', esc, esc))
        WHEN step = 2 THEN pg_temp.output('stdout', format('%s[32m  ✓%s[39m renders item %s %s[90m(%s ms)%s[39m', esc, esc, turn, esc, 3 + turn % 40, esc))
        WHEN step = 3 THEN pg_temp.output('stdout', format(' PASS  src/app.test.js (%s.%s s)', 1 + turn % 3, turn % 10))
        WHEN step = 4 THEN pg_temp.output('stderr', format('%s[33mnpm WARN%s[39m deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.', esc, esc))
        WHEN step = 5 THEN pg_temp.output('stdout', format('    at Object.<anonymous> (src/components/item_%s.js:%s:17) — a long line of output, as test runners print them when they explain an assertion in full', turn % 40, 10 + turn % 90))
        WHEN step = 6 THEN pg_temp.output('stdout', format('%s[32m  ✓%s[39m ticks item %s off', esc, esc, turn))
        WHEN step = 7 THEN pg_temp.output('stderr', format('%s[31merror%s[39m: expected %s items, received %s (src/app.test.js:%s:9)', esc, esc, 3 + turn % 5, 2 + turn % 5, 20 + turn % 200))
        WHEN step = 8 THEN pg_temp.output('stdout', format('Tests:       %s passed, 0 failed', 3 + turn % 12))
        -- (The session's first turn ran no command: its phase and feature took the first steps.)
        WHEN step = 9 AND is_first_turn THEN pg_temp.output('system', format('Session %s: feature %s of 50.', feature + 2, feature + 1))
        WHEN step = 9 THEN pg_temp.tool('tool_end', turn, 0, 'run_command', '')
        WHEN step = 10 THEN jsonb_build_object('type', 'test_run', 'command', 'npm test', 'passed', 3 + turn % 12,
                            'failed', 0, 'exit_code', 0, 'duration_ms', 1200 + turn % 900)
        WHEN step = 11 THEN pg_temp.tool('tool_start', turn, 1, 'write_file', format('src/components/item_%s.js', turn % 40))
        WHEN step = 12 THEN jsonb_build_object('type', 'file', 'path', format('src/components/item_%s.js', turn % 40),
                            'change', CASE WHEN turn < 40 THEN 'created' ELSE 'modified' END)
        WHEN step = 13 THEN pg_temp.tool('tool_end', turn, 1, 'write_file', '')
        WHEN step = 14 THEN pg_temp.tool('tool_start', turn, 2, 'read_file', 'src/App.jsx')
        WHEN step = 15 THEN pg_temp.tool('tool_end', turn, 2, 'read_file', '')
        WHEN step = 16 THEN pg_temp.output('system', format('The agent: item %s renders; next, its checkbox.', turn))
        WHEN step = 17 THEN pg_temp.output('stdout', format('[%s[36mvite%s[39m] page reload src/App.jsx (x%s)', esc, esc, 1 + turn % 9))
        WHEN step = 18 THEN pg_temp.output('stdout', format('  %s[2m%s modules transformed.%s[22m', esc, 40 + turn % 300, esc))
        WHEN turn % 10 = 9 THEN jsonb_build_object('type', 'error', 'severity', 'warning',
                            'message', 'Command timed out after 120 s: npm run dev', 'recovered', true)
        ELSE pg_temp.output('stdout', format('  dist/assets/index-%s.js   %s.%s kB', md5(turn::text), 140 + turn % 60, turn % 100))
    END AS payload
    FROM numbered
)
INSERT INTO build_events (build_id, seq, kind, payload, created_at)
SELECT :'build_id', seq, payload ->> 'type', payload, now() - interval '1 hour' + seq * interval '30 ms'
FROM events;

-- What the event sink counts (events.rs, weight): a line's bytes plus 40 for
-- output, the JSON otherwise, and 100 a row.
UPDATE builds SET event_bytes = (
    SELECT sum(CASE WHEN kind = 'log' THEN octet_length(payload ->> 'line') + 40 ELSE octet_length(payload::text) END + 100)
    FROM build_events WHERE build_id = :'build_id')
WHERE id = :'build_id';
COMMIT;
ANALYZE build_events;
\pset format unaligned
\pset tuples_only on
SELECT kind || '=' || count(*) FROM build_events WHERE build_id = :'build_id' GROUP BY kind ORDER BY count(*) DESC;
`;
const seedStarted = performance.now();
const seeded = spawnSync(
  psql,
  ['-X', '-q', '-v', `build_id=${buildId}`, '-v', `spec_id=${spec.id}`, '-v', `total=${totalEvents}`, databaseURL],
  { input: seedSql, encoding: 'utf8' },
);
if (seeded.status !== 0) throw new Error(`seeding the build failed:\n${seeded.stderr}`);
const seedSeconds = (performance.now() - seedStarted) / 1000;
const kinds = Object.fromEntries(
  seeded.stdout.trim().split('\n').map((row) => row.split('=')).map(([kind, count]) => [kind, Number(count)]),
);
// Every kind but activity and progress has a line in the log (build_log.rs, KINDS_NOT_LOGGED).
const expectedLines = Object.entries(kinds)
  .filter(([kind]) => kind !== 'activity' && kind !== 'progress')
  .reduce((total, [, count]) => total + count, 0);
const expectedCount = `${expectedLines.toLocaleString('en-US')} lines`;

// The same history read by Node: the SSE stream to its end (the server
// closes it after `complete`), and the REST log page by page.
const nodeStream = await timed(async () => {
  const answer = await fetch(`${baseURL}/api/builds/${buildId}/stream`, { headers: { cookie: cookieHeader } });
  if (!answer.ok) throw new Error(`the stream answered ${answer.status}`);
  let bytes = 0;
  let messages = 0;
  let tail = '';
  const decoder = new TextDecoder();
  for await (const chunk of answer.body) {
    bytes += chunk.length;
    const parts = (tail + decoder.decode(chunk, { stream: true })).split('\n\n');
    tail = parts.pop();
    messages += parts.filter((part) => /(^|\n)event: build(\n|$)/.test(part)).length;
  }
  return { bytes, messages };
});
const nodePages = await timed(async () => {
  let after = 0;
  let lines = 0;
  let bytes = 0;
  let requests = 0;
  for (;;) {
    const answer = await fetch(`${baseURL}/api/builds/${buildId}/logs?after=${after}&limit=5000`, {
      headers: { cookie: cookieHeader },
    });
    if (!answer.ok) throw new Error(`the log page answered ${answer.status}`);
    const text = await answer.text();
    const page = JSON.parse(text);
    requests += 1;
    bytes += Buffer.byteLength(text);
    lines += page.lines.length;
    if (page.next_after == null) return { lines, bytes, requests };
    after = page.next_after;
  }
});

// Marks taken inside the page from before its first byte (times since
// navigation start): the first log row in the DOM and in a frame, hydrated,
// the count showing every line; every frame and long task until then; the
// WASM memory, which wasm-bindgen's module exports.
function probe(expectedCount) {
  const marks = { frames: [], longTasks: [] };
  window.__logScale = marks;
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="build-log"] [data-seq]')) {
      marks.firstRowInDom = performance.now();
      requestAnimationFrame(() => (marks.firstRowPainted = performance.now()));
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  new MutationObserver((_, observer) => {
    if (document.documentElement.dataset.hydrated === 'true') {
      marks.hydrated = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, attributeFilter: ['data-hydrated'], subtree: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) marks.longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: 'longtask', buffered: true });
  let last;
  const onFrame = (now) => {
    if (last !== undefined) marks.frames.push([now, now - last]);
    last = now;
    if (marks.hydrated && document.querySelector('[data-testid="log-count"]')?.textContent === expectedCount) {
      marks.loaded = now;
      return;
    }
    requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      const result = await original.apply(this, args);
      const memory = (result.instance ?? result).exports?.memory;
      if (memory instanceof WebAssembly.Memory) marks.memory ??= memory;
      return result;
    };
  }
}

// What the page measured once the log was loaded.
function loadFigures() {
  const { frames, longTasks, memory, ...times } = window.__logScale;
  const isReplay = ([start]) => start >= times.hydrated && start <= times.loaded;
  return {
    ...times,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    replayFrames: frames.filter(isReplay).map(([, length]) => length),
    replayLongTasks: longTasks.filter(isReplay).map(([, duration]) => duration),
    wasmBytes: memory?.buffer.byteLength,
  };
}

// Scrolls the log from top to bottom, one step an animation frame, timing
// each frame and checking that the middle of the log shows a row.
async function scrollThrough(step) {
  const panel = document.querySelector('[data-testid="build-log"]');
  panel.scrollTop = 0;
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const box = panel.getBoundingClientRect();
  const frames = [];
  let blank = 0;
  let last = performance.now();
  const started = last;
  await new Promise((resolve) => {
    const onFrame = (now) => {
      frames.push(now - last);
      last = now;
      const middle = document.elementFromPoint(box.left + 40, box.top + box.height / 2);
      if (!middle?.closest('[data-seq]')) blank += 1;
      if (panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 1) return resolve();
      panel.scrollTop += step;
      requestAnimationFrame(onFrame);
    };
    requestAnimationFrame(onFrame);
  });
  const rows = [...panel.querySelectorAll('[data-seq]')];
  return {
    frames: frames.slice(1),
    blank,
    seconds: (last - started) / 1000,
    scrolledPx: panel.scrollTop,
    lastSeq: Number(rows.at(-1)?.dataset.seq),
    rowsInDom: rows.length,
  };
}

// The history read by a bare page of the same origin, without the app:
// the stream as an EventSource (with and without JSON.parse of each
// event), its bytes through fetch, and the REST log in pages of 5,000.
async function readWithoutTheApp(id) {
  const stream = `/api/builds/${id}/stream`;
  const eventSource = (parse) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      let messages = 0;
      const source = new EventSource(stream);
      source.addEventListener('build', (event) => {
        if (parse) JSON.parse(event.data);
        messages += 1;
      });
      source.addEventListener('complete', () => {
        source.close();
        resolve({ ms: performance.now() - started, messages });
      });
      source.onerror = () => {
        source.close();
        reject(new Error(`the stream broke after ${messages} events`));
      };
    });
  const fetched = async () => {
    const started = performance.now();
    const reader = (await fetch(stream)).body.getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) return { ms: performance.now() - started };
    }
  };
  const paged = async () => {
    const started = performance.now();
    let after = 0;
    let lines = 0;
    for (;;) {
      const page = await (await fetch(`/api/builds/${id}/logs?after=${after}&limit=5000`)).json();
      lines += page.lines.length;
      if (page.next_after == null) return { ms: performance.now() - started, lines };
      after = page.next_after;
    }
  };
  return {
    eventSource: await eventSource(false),
    eventSourceParsed: await eventSource(true),
    fetched: await fetched(),
    paged: await paged(),
  };
}

const profileDir = mkdtempSync(join(process.env.WORK_DIR ?? tmpdir(), 'chromium-'));
const chromium = launchChromium(profileDir);
// Interrupted: Chromium and its profile go too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    chromium.kill();
    rmSync(profileDir, { recursive: true, force: true });
    process.exit(1);
  });
}
let load, afterLoad, scroll, afterScroll, bare, profile;
try {
  const { targetId } = await chromium.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await chromium.send('Target.attachToTarget', { targetId, flatten: true });
  const page = (method, params) => chromium.send(method, params, sessionId);
  const evaluate = async (fn, arg) => {
    const { result, exceptionDetails } = await page('Runtime.evaluate', {
      expression: `(${fn})(${JSON.stringify(arg)})`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    return result.value;
  };
  // Polls `fn` in the page until it answers true (a navigation in between is no error).
  const waitFor = async (fn, what) => {
    const started = Date.now();
    while (!(await evaluate(fn).catch(() => false))) {
      if (Date.now() - started > LOAD_TIMEOUT_MS) throw new Error(`${what} within ${LOAD_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  await chromium.send('Storage.setCookies', {
    cookies: cookies.map(({ expires, ...cookie }) => (expires > 0 ? { ...cookie, expires } : cookie)),
  });
  await page('Emulation.setDeviceMetricsOverride', { ...VIEWPORT, deviceScaleFactor: 1, mobile: false });
  await page('Page.enable');
  await page('Performance.enable');
  const { identifier } = await page('Page.addScriptToEvaluateOnNewDocument', {
    source: `(${probe})(${JSON.stringify(expectedCount)})`,
  });
  if (isProfiled) {
    await page('Profiler.enable');
    await page('Profiler.setSamplingInterval', { interval: 500 });
    await page('Profiler.start');
  }
  await page('Page.navigate', { url: `${baseURL}/builds/${buildId}?view=logs` });
  await waitFor(() => window.__logScale?.loaded !== undefined, `the log did not show "${expectedCount}"`).catch(
    async (error) => {
      const shown = await evaluate(() => document.querySelector('[data-testid="log-count"]')?.textContent).catch(() => null);
      throw new Error(`${error.message} (it shows ${shown ?? 'no count'})`);
    },
  );
  if (isProfiled) profile = (await page('Profiler.stop')).profile;
  // Main-thread times as they stood at load; the heap once garbage is collected.
  afterLoad = metricsOf(await page('Performance.getMetrics'));
  load = await evaluate(loadFigures);
  await page('HeapProfiler.collectGarbage');
  afterLoad.JSHeapUsedSize = metricsOf(await page('Performance.getMetrics')).JSHeapUsedSize;
  scroll = await evaluate(scrollThrough, SCROLL_STEP_PX);
  await page('HeapProfiler.collectGarbage');
  afterScroll = metricsOf(await page('Performance.getMetrics'));

  await page('Page.removeScriptToEvaluateOnNewDocument', { identifier });
  // A JSON answer's policy lets it load nothing (`default-src 'none'`): the
  // bare page is that document with its policy set aside, so it can read.
  await page('Page.setBypassCSP', { enabled: true });
  await page('Page.navigate', { url: `${baseURL}/readyz` });
  await waitFor(() => location.pathname === '/readyz' && document.readyState === 'complete', 'the bare page did not load');
  bare = await evaluate(readWithoutTheApp, buildId);
} finally {
  await chromium.close();
  rmSync(profileDir, { recursive: true, force: true });
}

// The table.
const ms = (value) => (value === undefined ? 'n/a' : `${Math.round(value).toLocaleString('en-US')} ms`);
const mib = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
const count = (value) => value.toLocaleString('en-US');
const rows = [
  ['seeded build', `${count(totalEvents)} events in ${secondsText(seedSeconds)} (${Object.entries(kinds).map(([kind, n]) => `${kind} ${count(n)}`).join(', ')})`],
  ['Node: SSE stream read to its end', `${ms(nodeStream.ms)}, ${count(nodeStream.value.messages)} events, ${mib(nodeStream.value.bytes)}`],
  ['Node: REST log, pages of 5,000', `${ms(nodePages.ms)}, ${nodePages.value.requests} requests, ${count(nodePages.value.lines)} lines, ${mib(nodePages.value.bytes)}`],
  ['bare page: EventSource, events counted', `${ms(bare.eventSource.ms)}, ${count(bare.eventSource.messages)} events`],
  ['bare page: EventSource, JSON.parse each', ms(bare.eventSourceParsed.ms)],
  ['bare page: the stream through fetch()', ms(bare.fetched.ms)],
  ['bare page: REST log, pages of 5,000', `${ms(bare.paged.ms)}, ${count(bare.paged.lines)} lines`],
  ['build page: first contentful paint', ms(load.fcp)],
  ['build page: first log row in the DOM (SSR)', ms(load.firstRowInDom)],
  ['build page: first log row in a frame', ms(load.firstRowPainted)],
  ['build page: hydrated', ms(load.hydrated)],
  [`build page: whole log loaded ("${expectedCount}")`, ms(load.loaded)],
  ['  replay (hydrated → loaded)', ms(load.loaded - load.hydrated)],
  ['  replay: frames, longest, dropped (> 50 ms)', `${load.replayFrames.length}, ${ms(Math.max(0, ...load.replayFrames))}, ${load.replayFrames.filter((frame) => frame > DROPPED_FRAME_MS).length}`],
  ['  replay: long tasks, their total, longest', `${load.replayLongTasks.length}, ${ms(sum(load.replayLongTasks))}, ${ms(Math.max(0, ...load.replayLongTasks))}`],
  ['  main thread until loaded: tasks, script, layout, style', [afterLoad.TaskDuration, afterLoad.ScriptDuration, afterLoad.LayoutDuration, afterLoad.RecalcStyleDuration].map((seconds) => ms(seconds * 1000)).join(', ')],
  ['  JS heap used after load (after GC)', mib(afterLoad.JSHeapUsedSize)],
  ['  WASM memory after load', mib(load.wasmBytes)],
  ['  DOM nodes after load', count(afterLoad.Nodes)],
  [`scroll top → bottom, ${count(SCROLL_STEP_PX)} px a frame`, `${scroll.frames.length} frames in ${secondsText(scroll.seconds)}, ${(scroll.scrolledPx / 1e6).toFixed(2)} M px, last row seq ${scroll.lastSeq}, ${scroll.rowsInDom} rows in the DOM`],
  ['  frame p50 / p95 / p99 / max', [0.5, 0.95, 0.99, 1].map((q) => ms(quantile(scroll.frames, q))).join(' / ')],
  ['  dropped frames (> 50 ms)', count(scroll.frames.filter((frame) => frame > DROPPED_FRAME_MS).length)],
  ['  frames with no row in the middle of the log', count(scroll.blank)],
  ['  JS heap used after scrolling (after GC)', mib(afterScroll.JSHeapUsedSize)],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`A build log of ${count(expectedLines)} lines in Chromium at ${VIEWPORT.width}×${VIEWPORT.height}; page times from navigation start`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
if (profile) printProfile(profile);

// Chromium, headless, driven over --remote-debugging-pipe (CDP messages
// as JSON ended by a NUL byte, written to its fd 3, read from its fd 4).
// Only what is sent is enabled: no Network domain.
function launchChromium(userDataDir) {
  const child = spawn(
    chromiumPath,
    [
      '--headless=new',
      '--remote-debugging-pipe',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-precise-memory-info',
      `--user-data-dir=${userDataDir}`,
      `--window-size=${VIEWPORT.width},${VIEWPORT.height}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const waiting = new Map();
  let lastId = 0;
  let received = Buffer.alloc(0);
  let failure;
  const failAll = (error) => {
    failure ??= error;
    for (const { reject } of waiting.values()) reject(failure);
    waiting.clear();
  };
  child.stdio[4].on('data', (chunk) => {
    received = Buffer.concat([received, chunk]);
    for (let end = received.indexOf(0); end !== -1; end = received.indexOf(0)) {
      const message = JSON.parse(received.subarray(0, end).toString('utf8'));
      received = received.subarray(end + 1);
      const call = waiting.get(message.id);
      if (!call) continue; // an event of an enabled domain: none is needed
      waiting.delete(message.id);
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
      else call.resolve(message.result);
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', (code, signal) => failAll(new Error(`Chromium exited (${signal ?? code})`)));
  child.once('error', failAll);
  child.stdio[3].on('error', failAll);
  return {
    send(method, params = {}, sessionId = undefined) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        lastId += 1;
        waiting.set(lastId, { method, resolve, reject });
        child.stdio[3].write(`${JSON.stringify({ id: lastId, method, params, sessionId })}\0`);
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      this.send('Browser.close').catch(() => {});
      const timeout = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timeout]);
      this.kill();
    },
  };
}

function uuidV7() {
  const bytes = randomBytes(16);
  let time = BigInt(Date.now());
  for (let index = 5; index >= 0; index -= 1) {
    bytes[index] = Number(time & 0xffn);
    time >>= 8n;
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function timed(work) {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

function secondsText(seconds) {
  return `${seconds.toFixed(2)} s`;
}

function metricsOf({ metrics }) {
  return Object.fromEntries(metrics.map(({ name, value }) => [name, value]));
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

function quantile(values, q) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

// Self time by function from navigation until the whole log showed, the 15
// largest, with WASM, JavaScript, the browser's own work and idle summed.
// The release WASM has no names section: its functions show as indexes.
function printProfile({ nodes, samples, timeDeltas }) {
  const frames = new Map(nodes.map((node) => [node.id, node.callFrame]));
  const selfMs = new Map();
  samples.forEach((id, index) => {
    const { functionName, url } = frames.get(id);
    const file = url ? ` ${url.split('/').pop().replace(/\?.*/, '')}` : '';
    const name = `${functionName || '(anonymous)'}${file}`;
    selfMs.set(name, (selfMs.get(name) ?? 0) + (timeDeltas[index + 1] ?? 0) / 1000);
  });
  const kinds = { wasm: 0, javascript: 0, browser: 0, idle: 0 };
  for (const [name, time] of selfMs) {
    if (name.startsWith('(idle)')) kinds.idle += time;
    else if (/\.wasm$|^wasm-|^js-to-wasm/.test(name)) kinds.wasm += time;
    else if (name.startsWith('(')) kinds.browser += time;
    else kinds.javascript += time;
  }
  console.log('\nWhere the main thread went until the log was loaded (CPU profile, self time):');
  console.log(Object.entries(kinds).map(([kind, time]) => `${kind} ${ms(time)}`).join(', '));
  for (const [name, time] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${ms(time).padStart(9)}  ${name}`);
  }
}
