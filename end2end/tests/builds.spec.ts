import { test, expect, createSpec, openHydrated, signUpQuietly, startBuild } from './fixtures';
import type { APIRequestContext, Page } from '@playwright/test';

// The e2e server runs builds with the built-in offline agent in real sandboxes: a build of a
// three-feature spec takes a while, so the tests that wait for one allow minutes, not seconds.

const BUILD_URL = /\/builds\/([0-9a-f-]{36})$/;

/**
 * Every line of the log as a reader scrolling it from top to bottom sees it, in the order met:
 * only the rows in view are drawn, so the panel is scrolled a screen at a time.
 */
async function readWholeLog(page: Page): Promise<{ seq: number; text: string }[]> {
  // Not following the end, so a line that arrives while the panel is read
  // cannot pull it back to the end.
  const follow = page.getByRole('button', { name: 'Follow the end' });
  if ((await follow.getAttribute('aria-pressed')) === 'true') await follow.click();
  await expect(follow).toHaveAttribute('aria-pressed', 'false');
  return page.getByTestId('build-log').evaluate(async (panel) => {
    const drawn = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const seen = new Map<number, string>();
    panel.scrollTop = 0;
    await drawn();
    for (;;) {
      for (const row of panel.querySelectorAll('[data-seq]')) {
        seen.set(Number(row.getAttribute('data-seq')), row.textContent ?? '');
      }
      if (panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 1) break;
      panel.scrollTop += panel.clientHeight;
      await drawn();
    }
    return [...seen].map(([seq, text]) => ({ seq, text }));
  });
}

/** How many log rows the page draws while `action` runs, counting every row added to the page. */
async function logRowsDrawnDuring(page: Page, action: () => Promise<void>): Promise<number> {
  await page.evaluate(() => {
    const drawn = { rows: 0 };
    (window as unknown as { logRowsDrawn: typeof drawn }).logRowsDrawn = drawn;
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node instanceof Element) drawn.rows += Number(node.matches('[data-seq]')) + node.querySelectorAll('[data-seq]').length;
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await action();
  return page.evaluate(() => (window as unknown as { logRowsDrawn: { rows: number } }).logRowsDrawn.rows);
}

/** The sequence numbers of every line the API lists for the build, oldest first. */
async function loggedSeqs(request: APIRequestContext, buildId: string): Promise<number[]> {
  const response = await request.get(`/api/builds/${buildId}/logs?limit=5000`);
  expect(response.status()).toBe(200);
  return (await response.json()).lines.map((line: { seq: number }) => line.seq);
}

function expectEveryLineOnceInOrder(lines: { seq: number }[], expected: number[]) {
  expect(lines.map((line) => line.seq)).toEqual(expected);
}

test('Build this app runs a build to completion live, and a reload shows the same log', async ({ page, browser }) => {
  test.setTimeout(300_000);
  await signUpQuietly(page.request);
  const specId = await createSpec(page.request, 'Tiny todo');

  await openHydrated(page, `/specs/${specId}`);
  await page.getByRole('button', { name: 'Build this app' }).click();
  await expect(page).toHaveURL(BUILD_URL);
  const buildId = BUILD_URL.exec(page.url())![1];
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Build of Tiny todo');

  // The Logs view, which the page remembers for the next build opened.
  const views = page.getByRole('navigation', { name: 'Build views' });
  await expect(views.getByRole('link', { name: 'Activity' })).toHaveAttribute('aria-current', 'page');
  await views.getByRole('link', { name: 'Logs' }).click();
  await expect(page).toHaveURL(new RegExp(`/builds/${buildId}\\?view=logs$`));

  // The stream is open, and lines arrive while the page stays put; the search finds any of them.
  const log = page.getByTestId('build-log');
  const search = page.getByRole('searchbox', { name: 'Search the log' });
  await expect(page.getByTestId('live')).toBeVisible({ timeout: 30_000 });
  await search.fill('queued a BUILD');
  await expect(log).toContainText('Queued a build of "Tiny todo".');
  await expect(page.getByTestId('log-count')).toHaveText(/^1 of \d+ lines$/);
  await search.fill('Build started');
  await expect(log).toContainText('Build started', { timeout: 60_000 });
  // The runner's own lines (the agent's words are its own business).
  await search.fill('planned 3 features');
  await expect(log).toContainText('The agent planned 3 features.', { timeout: 120_000 });
  await search.fill('');

  await expect(page.getByTestId('build-status')).toHaveText('Completed', { timeout: 180_000 });
  await expect(page.getByTestId('live')).toHaveCount(0);
  // Following the end, the last lines are in view.
  await expect(log).toContainText('All 3 features pass. The build is complete.');
  // Hiding every category but Tests leaves the test runs, each a line of its own.
  const categories = page.getByRole('group', { name: 'Categories shown' });
  for (const name of ['Phases', 'Features', 'Tools', 'Files', 'Errors', 'Output', 'Network', 'App']) {
    await categories.getByRole('button', { name, exact: true }).click();
  }
  await expect(categories.getByRole('button', { name: 'Output' })).toHaveAttribute('aria-pressed', 'false');
  await expect(log.locator('[data-seq]').first()).toHaveAttribute('data-category', 'test');
  expect(await log.locator('[data-seq]:not([data-category="test"])').count()).toBe(0);
  await expect(log).toContainText(/Tests: \d+ passed, \d+ failed/);
  for (const name of ['Phases', 'Features', 'Tools', 'Files', 'Errors', 'Output', 'Network', 'App']) {
    await categories.getByRole('button', { name, exact: true }).click();
  }
  await expect(page.getByTestId('log-count')).toHaveText(/^\d+ lines$/);

  // Every line once, in order, as the API lists them.
  const linesLive = await readWholeLog(page);
  expect(linesLive.length).toBeGreaterThan(10);
  expectEveryLineOnceInOrder(linesLive, await loggedSeqs(page.request, buildId));
  const countText = await page.getByTestId('log-count').innerText();

  // The whole log downloads as text.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download full log' }).click()]);
  expect(download.suggestedFilename()).toBe('Tiny todo build log.txt');
  const text = await (await download.createReadStream()).toArray();
  expect(Buffer.concat(text).toString('utf8')).toContain('All 3 features pass. The build is complete.');

  // The Activity view: the features with their tests, the files, the summary above both.
  await views.getByRole('link', { name: 'Activity' }).click();
  const features = page.getByTestId('features').locator('li');
  await expect(features).toHaveCount(3);
  await expect(page.getByTestId('features').locator('li[data-passed="true"]')).toHaveCount(3);
  await expect(page.getByTestId('progress')).toHaveText('3 of 3 features pass');
  await expect(page.getByTestId('last-test-run')).toBeVisible();
  await expect(page.getByText(/^Files touched \([1-9]\d*\): [1-9]\d* created/)).toBeVisible();
  // The summary, for whoever checks in: features with their chart, time, spend and budget.
  const summary = page.getByTestId('build-summary');
  await expect(summary.getByTestId('phase')).toHaveText('Completed');
  await expect(summary.getByTestId('features-chart')).toHaveAttribute('aria-label', '3 of 3 features passing over time');
  await expect(summary.getByTestId('time-estimate')).toHaveText(/^Worked \d+ (s|min)$/);
  await expect(summary.getByTestId('cost')).toHaveText('$0.00 (estimate)');
  await expect(summary.getByTestId('budget')).toContainText('of its 5,000,000 token budget');
  await expect(page.getByTestId('historical')).toBeVisible();
  await expect(summary.getByTestId('activity-indicator')).toHaveAttribute('data-active', 'false');
  // The detail was fetched again when the build ended: it has finished.
  await expect(page.getByText('Finished', { exact: true })).toBeVisible();

  // Everything came from the database: a reload shows the same, no more, no fewer lines.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('build-status')).toHaveText('Completed');
  await expect(page.getByTestId('features').locator('li[data-passed="true"]')).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Cancel build' })).toHaveCount(0);
  // Opened after hydration, the log draws only the rows in view from the start, never every line.
  const rowsDrawn = await logRowsDrawnDuring(page, async () => {
    await views.getByRole('link', { name: 'Logs' }).click();
    await expect(page.getByTestId('log-count')).toHaveText(countText);
  });
  // A window is the rows in view (about 30) and 40 either side; the log is longer than that.
  expect(linesLive.length).toBeGreaterThan(150);
  expect(rowsDrawn).toBeGreaterThan(0);
  expect(rowsDrawn).toBeLessThanOrEqual(110);
  expect(await readWholeLog(page)).toEqual(linesLive);
  // The choice is remembered: the build's plain address opens on the log.
  await openHydrated(page, `/builds/${buildId}`);
  await expect(views.getByRole('link', { name: 'Logs' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('log-count')).toHaveText(countText);

  // Without JavaScript the page reads the same: the server folds the stored events.
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto(`/builds/${buildId}?view=activity`);
  await expect(plain.getByTestId('phase')).toHaveText('Completed');
  await expect(plain.getByTestId('features').locator('li[data-passed="true"]')).toHaveCount(3);
  await expect(plain.getByTestId('progress')).toHaveText('3 of 3 features pass');
  await expect(plain.getByTestId('last-test-run')).toBeVisible();
  await expect(plain.getByTestId('features-chart')).toBeVisible();
  await expect(plain.getByText(/^Files touched \([1-9]\d*\): [1-9]\d* created/)).toBeVisible();
  // The log's first page, and the whole of it as text.
  await plain.getByRole('navigation', { name: 'Build views' }).getByRole('link', { name: 'Logs' }).click();
  await expect(plain.getByTestId('build-log')).toContainText('Queued a build of "Tiny todo".');
  await expect(plain.getByRole('link', { name: 'Download full log' })).toHaveAttribute('href', `/api/builds/${buildId}/logs.txt`);
  await noScript.close();

  // Listed under the Completed filter, which survives in the address.
  await openHydrated(page, '/builds');
  await page.getByRole('navigation', { name: 'Filter builds by status' }).getByRole('link', { name: 'Completed' }).click();
  await expect(page).toHaveURL(/\/builds\?status=completed$/);
  const list = page.getByTestId('build-list');
  await expect(list).toContainText('Tiny todo');
  await expect(list).toContainText('3 of 3 features');
  await expect(list.getByTestId('build-status')).toHaveText('Completed');
  await page.getByRole('navigation', { name: 'Filter builds by status' }).getByRole('link', { name: 'Running' }).click();
  await expect(page).toHaveURL(/\/builds\?status=running$/);
  await expect(page.getByText('No running builds')).toBeVisible();
  await page.goto('/builds?status=completed');
  await list.getByRole('link', { name: /Tiny todo/ }).click();
  await expect(page).toHaveURL(new RegExp(`/builds/${buildId}$`));

  // The dashboard names the build by its spec, with how far it got.
  await openHydrated(page, '/');
  const recent = page.getByRole('region', { name: 'Recent builds' }).getByRole('link', { name: /Tiny todo/ });
  await expect(recent.getByTestId('build-spec-name')).toHaveText('Tiny todo');
  await expect(recent.getByTestId('build-progress')).toContainText('3 of 3 features');
  await expect(recent.getByTestId('build-status')).toHaveText('Completed');
  await recent.click();
  await expect(page).toHaveURL(new RegExp(`/builds/${buildId}$`));
});

test('Cancel asks first, then stops the build, and the tab and a notification say so', async ({ page }) => {
  await signUpQuietly(page.request);
  const specId = await createSpec(page.request, 'Cancelled todo');
  const buildId = await startBuild(page.request, specId);
  // The person allowed notifications; the page's are recorded as they are shown.
  await page.context().grantPermissions(['notifications']);
  await page.addInitScript(() => {
    const Shown = window.Notification;
    const shown: { title: string; body?: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    window.Notification = class extends Shown {
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
        super(title, options);
      }
    } as typeof Notification;
  });

  await openHydrated(page, `/builds/${buildId}`);
  await expect(page.getByTestId('notify-choice')).toHaveText('You will get a notification when it ends or pauses.');
  await expect(page).toHaveTitle(/^(Queued|Running) · Build of Cancelled todo/);
  await page.getByRole('button', { name: 'Cancel build' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this build?' });
  await expect(dialog).toBeVisible();
  // Keeping it changes nothing.
  await dialog.getByRole('button', { name: 'Keep building' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('build-status')).not.toHaveText('Cancelled');

  await page.getByRole('button', { name: 'Cancel build' }).click();
  await dialog.getByRole('button', { name: 'Cancel build' }).click();
  await expect(page.getByTestId('build-status')).toHaveText('Cancelled');
  await expect(page.getByTestId('status-reason')).toHaveText('Cancelled by you.');
  await expect(page.getByRole('button', { name: 'Cancel build' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  await expect(page.getByTestId('live')).toHaveCount(0);
  await expect(page).toHaveTitle(/^Cancelled · Build of Cancelled todo/);
  expect(await page.evaluate(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications)).toEqual([
    { title: 'Build of Cancelled todo: cancelled', body: 'Cancelled by you.' },
  ]);

  await page.reload();
  await expect(page.getByTestId('build-status')).toHaveText('Cancelled');
});

test('a dropped stream says Reconnecting, gives up after a while with a Reconnect button, and no line is doubled or lost', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signUpQuietly(page.request);
  const specId = await createSpec(page.request, 'Unplugged todo');
  const buildId = await startBuild(page.request, specId);
  // Paused, the build stays open (and its stream with it) for as long as the test needs.
  const paused = await page.request.post(`/api/builds/${buildId}/pause`);
  expect(paused.status(), await paused.text()).toBe(200);
  const following = page.getByTestId('live');
  // The network drops the stream's requests while `unplugged` (as a browser offline would).
  let unplugged = true;
  await page.route('**/api/builds/*/stream**', (route) =>
    unplugged ? route.abort('internetdisconnected') : route.continue(),
  );

  // The page says so while it tries again, then follows from where it was once it can.
  await openHydrated(page, `/builds/${buildId}?view=logs`);
  await expect(page.getByTestId('build-status')).toHaveText('Paused');
  await expect(page.getByTestId('reconnecting')).toBeVisible({ timeout: 30_000 });
  unplugged = false;
  await expect(following).toBeVisible({ timeout: 60_000 });

  // Gone for longer, the page stops trying and offers to try again.
  unplugged = true;
  await page.reload();
  await expect(page.getByTestId('reconnecting')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('stream-lost')).toBeVisible({ timeout: 120_000 });
  unplugged = false;
  await page.getByRole('button', { name: 'Reconnect' }).click();
  await expect(following).toBeVisible({ timeout: 30_000 });

  // Resumed, it runs to its end on the same stream.
  await page.getByRole('toolbar', { name: 'Build actions' }).getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('build-status')).toHaveText('Completed', { timeout: 180_000 });
  await expect(page.getByTestId('historical')).toBeVisible();
  // The build's last line says its work was archived, a moment after it ended.
  await expect
    .poll(async () => (await (await page.request.get(`/api/builds/${buildId}/artifacts?info=true`)).json()).state, {
      timeout: 60_000,
    })
    .toBe('stored');
  const logged = await loggedSeqs(page.request, buildId);
  await expect(page.locator(`[data-seq="${logged[logged.length - 1]}"]`)).toBeAttached();
  expectEveryLineOnceInOrder(await readWholeLog(page), logged);
});

test('a paused build says what it needs, and Resume in the summary sets it going again', async ({ page }) => {
  await signUpQuietly(page.request);
  const specId = await createSpec(page.request, 'Paused todo');
  const buildId = await startBuild(page.request, specId);
  try {
    await openHydrated(page, `/builds/${buildId}`);
    await expect(page.getByTestId('needs-you')).toHaveCount(0);
    await page.getByRole('toolbar', { name: 'Build actions' }).getByRole('button', { name: 'Pause' }).click();
    const needsYou = page.getByTestId('needs-you');
    await expect(needsYou).toContainText('Paused by you.');
    await expect(needsYou).toContainText('It waits for you: resume it to go on.');
    await expect(page.getByTestId('activity-indicator')).toHaveAttribute('data-active', 'false');

    await needsYou.getByRole('button', { name: 'Resume build' }).click();
    await expect(needsYou).toHaveCount(0);
    await expect(page.getByTestId('build-status')).not.toHaveText('Paused');
  } finally {
    await page.request.post(`/api/builds/${buildId}/cancel`);
  }
});

test('a sixth active build is refused with the reason next to the button', async ({ page }) => {
  await signUpQuietly(page.request);
  const specId = await createSpec(page.request, 'Busy todo');
  const started: string[] = [];
  try {
    for (let i = 0; i < 5; i++) started.push(await startBuild(page.request, specId));
    await openHydrated(page, `/specs/${specId}`);
    await page.getByRole('button', { name: 'Build this app' }).click();
    await expect(page.getByTestId('form-error')).toContainText('You already have 5 builds running, queued or waiting to resume.');
    await expect(page).toHaveURL(new RegExp(`/specs/${specId}$`));
  } finally {
    // Free the workers for the other tests.
    for (const id of started) await page.request.post(`/api/builds/${id}/cancel`);
  }
});

test('the builds list searches by spec name, keeps the search under a status chip, and a running row moves on its own', async ({
  page,
}) => {
  // The workers may be busy with other tests' builds first.
  test.setTimeout(120_000);
  await signUpQuietly(page.request);
  const watched = await startBuild(page.request, await createSpec(page.request, 'Zebra tracker'));
  const other = await startBuild(page.request, await createSpec(page.request, 'Aardvark notes'));
  try {
    await openHydrated(page, '/builds');
    const list = page.getByTestId('build-list');
    await expect(page.getByTestId('build-count')).toHaveText('2 builds');
    const search = page.getByRole('search');
    await search.getByLabel('Search builds by spec name').fill('zebra');
    await search.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/\/builds\?q=zebra$/);
    await expect(page.getByTestId('build-count')).toHaveText('1 build');
    const row = list.getByTestId('build-row');
    await expect(row).toContainText('Zebra tracker');

    // Without a reload, the row goes from queued to running with its planned features.
    await expect(row).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
    await expect(row).toContainText(/\d+ of \d+ features/, { timeout: 60_000 });
    await expect(row.getByRole('progressbar')).toBeVisible();

    const chips = page.getByRole('navigation', { name: 'Filter builds by status' });
    await chips.getByRole('link', { name: 'Running' }).click();
    await expect(page).toHaveURL(/\/builds\?status=running&q=zebra$/);
    await expect(row).toContainText('Zebra tracker');
    await chips.getByRole('link', { name: 'Completed' }).click();
    await expect(page).toHaveURL(/\/builds\?status=completed&q=zebra$/);
    await expect(page.getByTestId('no-matches')).toContainText('No completed builds of a spec named like “zebra”');
  } finally {
    for (const id of [watched, other]) await page.request.post(`/api/builds/${id}/cancel`);
  }
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('a build starts from a plain form, and its pages read as HTML', async ({ page }) => {
    await signUpQuietly(page.request);
    const specId = await createSpec(page.request, 'No-script todo');

    await page.goto(`/specs/${specId}`);
    await page.getByRole('button', { name: 'Build this app' }).click();
    await expect(page).toHaveURL(BUILD_URL);
    const buildId = BUILD_URL.exec(page.url())![1];
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Build of No-script todo');
    await page.getByRole('navigation', { name: 'Build views' }).getByRole('link', { name: 'Logs' }).click();
    await expect(page.getByTestId('build-log')).toContainText('Queued a build of "No-script todo".');
    await expect(page.getByTestId('log-count')).not.toHaveText('0 lines');

    // Cancel is a plain form too.
    await page.getByRole('button', { name: 'Cancel build' }).click();
    // Back on the build's page (the form's redirect may leave an empty query).
    await expect(page).toHaveURL(new RegExp(`/builds/${buildId}(\\?.*)?$`));
    await expect(page.getByTestId('build-status')).toHaveText('Cancelled');

    await page.goto('/builds?status=cancelled');
    await expect(page.getByTestId('build-list')).toContainText('No-script todo');
    await expect(page.getByRole('link', { name: 'Cancelled', exact: true })).toHaveAttribute('aria-current', 'page');
  });
});
