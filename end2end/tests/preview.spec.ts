import { test, expect, openHydrated, signUpQuietly, createSpec, startBuild, todoSpec, waitForBuildToComplete } from './fixtures';

// The live preview of an offline build's app, in Chromium, through the preview origin that
// scripts/test serves on a port of its own (`http://localhost:<port>`, while the platform is at
// 127.0.0.1: another host, so none of the platform's cookies go there).

test('the owner opens the built app from the build page, uses it, and it can touch neither the platform nor anyone else', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await signUpQuietly(page.request);
  const specId = await createSpec(page.request, 'Preview Groceries', todoSpec('Preview Groceries', ['Add a todo']));
  const buildId = await startBuild(page.request, specId);
  await waitForBuildToComplete(page.request, buildId);

  // The Preview view: how it runs, the frame, and the way to open it in a tab.
  await openHydrated(page, `/builds/${buildId}?view=preview`);
  const view = page.getByTestId('build-preview');
  await expect(view.getByTestId('preview-state')).toHaveText(/Stopped: starts when opened|Starting…|Running/);
  await expect(view).toContainText('node server.js');
  // The frame shows the app (a "starting" page first, which reloads by itself).
  const frame = page.frameLocator('iframe[title="The app\'s preview"]');
  await expect(frame.getByRole('heading', { level: 1, name: 'Preview Groceries' })).toBeVisible({ timeout: 60_000 });

  const [app] = await Promise.all([page.waitForEvent('popup'), view.getByRole('link', { name: 'Open preview' }).click()]);
  await expect(app.getByRole('heading', { level: 1, name: 'Preview Groceries' })).toBeVisible({ timeout: 60_000 });
  const previewOrigin = new URL(app.url()).origin;
  expect(previewOrigin).not.toBe(new URL(baseURL!).origin);

  // The app works: add an item, see it listed.
  await app.getByLabel('New item').fill('Oat milk');
  await app.getByRole('button', { name: 'Add' }).click();
  await expect(app.locator('#items')).toContainText('Oat milk');

  // The platform's session cookie is not sent to the preview origin, and the app's scripts
  // cannot read the platform's API as the user.
  const cookiesThere = await page.context().cookies(previewOrigin);
  expect(cookiesThere.map((cookie) => cookie.name)).not.toContain('agents_session');
  expect(cookiesThere.map((cookie) => cookie.name)).toContain('agents_preview');
  const platformMe = await app.evaluate(async (platform) => {
    try {
      const response = await fetch(`${platform}/api/me`, { credentials: 'include' });
      return `read ${response.status}: ${await response.text()}`;
    } catch (error) {
      return `refused: ${error}`;
    }
  }, new URL(baseURL!).origin);
  expect(platformMe).toMatch(/^refused/);

  // Its output is in the build's log, as its own category.
  await openHydrated(page, `/builds/${buildId}?view=logs`);
  const categories = page.getByRole('group', { name: 'Categories shown' });
  for (const name of ['Phases', 'Features', 'Tools', 'Files', 'Tests', 'Errors', 'Output', 'Network']) {
    await categories.getByRole('button', { name, exact: true }).click();
  }
  const log = page.getByTestId('build-log');
  await expect(log.locator('[data-seq]').first()).toHaveAttribute('data-category', 'app');
  await expect(log).toContainText('Preview starting: `node server.js` on port 3000');
  await expect(log).toContainText('Serving on http://localhost:3000');

  // Nobody else: an anonymous visitor and another user get 403 at the preview origin, and the
  // other user cannot get a link.
  const anonymous = await browser.newContext();
  const stranger = await anonymous.newPage();
  const refused = await stranger.goto(previewOrigin + '/');
  expect(refused?.status()).toBe(403);
  await expect(stranger.getByRole('heading', { name: 'No access to this preview' })).toBeVisible();
  await signUpQuietly(stranger.request);
  const link = await stranger.request.get(`/api/builds/${buildId}/preview/open`, { maxRedirects: 0 });
  expect(link.status()).toBe(404);
  expect((await stranger.goto(previewOrigin + '/'))?.status()).toBe(403);
  await anonymous.close();
});
