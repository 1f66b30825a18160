import { test, expect, openHydrated, signUpQuietly } from './fixtures';

test.describe('server rendering', () => {
  test('the dashboard is complete HTML before any JavaScript runs', async ({ request }) => {
    await signUpQuietly(request);
    const response = await request.get('/');
    expect(response.status()).toBe(200);
    const html = await response.text();
    // `<!>` is a hydration marker Leptos may leave after a text node.
    expect(html).toMatch(/<h1 class="text-2xl font-semibold tracking-tight sm:text-3xl">Dashboard(<!>)?<\/h1>/);
    expect(html).toContain('How it works');
    for (const section of ['Chat', 'Specs', 'Builds', 'Projects']) {
      expect(html).toContain(`href="/${section.toLowerCase()}"`);
    }
  });

  test.describe('with JavaScript disabled', () => {
    test.use({ javaScriptEnabled: false });

    test('every section can be reached and read', async ({ page }) => {
      await signUpQuietly(page.request);
      await page.goto('/');
      await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Builds' }).click();
      await expect(page).toHaveURL(/\/builds$/);
      await expect(page.getByRole('heading', { level: 1, name: 'Builds' })).toBeVisible();
      await expect(page.getByText('No builds yet')).toBeVisible();
    });
  });

  test('an unknown address shows the not-found page with status 404', async ({ page }) => {
    await signUpQuietly(page.request);
    const response = await page.goto('/this/does/not/exist');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await page.getByRole('link', { name: 'Go to dashboard' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  });

  test("a missing spec, chat, build or project answers 404 and names what is missing in the tab's title", async ({ page }) => {
    await signUpQuietly(page.request);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [path, title] of [
      [`/specs/${missing}`, 'Spec not found'],
      [`/chat/${missing}`, 'Chat not found'],
      [`/builds/${missing}`, 'Build not found'],
      [`/projects/${missing}`, 'Project not found'],
    ]) {
      const response = await openHydrated(page, path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole('alert')).toContainText('Not found');
      await expect(page, path).toHaveTitle(`${title} · Agents Platform`);
    }
  });
});

test.describe('hydrated app', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the navigation menu opens and closes on a phone', async ({ page }) => {
    await signUpQuietly(page.request);
    await openHydrated(page, '/');
    const toggle = page.getByRole('button', { name: 'Open navigation' });
    const sidebar = page.locator('#sidebar');
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(sidebar).not.toBeInViewport();

    await toggle.click();
    await expect(page.getByRole('button', { name: 'Close navigation' })).toHaveAttribute('aria-expanded', 'true');
    await expect(sidebar).toHaveAttribute('data-open', 'true');
    await expect(sidebar).toBeInViewport();

    // Following a link navigates in place and puts the menu away.
    await sidebar.getByRole('link', { name: 'Projects' }).click();
    await expect(page).toHaveURL(/\/projects$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Projects' })).toBeVisible();
    await expect(sidebar).toHaveAttribute('data-open', 'false');
    await expect(page.getByRole('button', { name: 'Open navigation' })).toBeVisible();
  });
});

test('settings ask the server how its database is doing', async ({ page }) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/settings');
  const status = page.getByTestId('system-status');
  await expect(status).toContainText('Not checked yet.');
  await page.getByRole('button', { name: 'Check system' }).click();
  await expect(page.getByTestId('database-version')).toHaveText(/^PostgreSQL 15\.\d+/);
  await expect(status).toContainText(/[1-9]\d* applied/);
});

test.describe('the Content Security Policy', () => {
  // Every test fails on a console error, so a policy that blocked the app's own scripts or styles
  // would fail them all; this one shows that the policy is enforced against a script the page did
  // not send. In a context of its own, since the refusal is logged as a console error.
  test('the page hydrates, and a script injected without the nonce does not run', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    const response = await page.goto('/sign-in');
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[\w-]+'/);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; directive: string }>((resolve) => {
          document.addEventListener('securitypolicyviolation', (event) =>
            resolve({ ran: 'injected' in window, directive: event.effectiveDirective }),
          );
          const script = document.createElement('script');
          script.textContent = 'window.injected = true;';
          document.body.append(script);
        }),
    );
    expect(outcome).toEqual({ ran: false, directive: 'script-src-elem' });
    await context.close();
  });
});

test('a page whose code cannot be fetched says so, and loads when tried again', async ({
  page,
  forgivenBrowserErrors,
}) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/');
  // The lists' code is a chunk fetched when one of them is first shown; the
  // network drops it, which cargo-leptos's loader logs.
  const listsCode = /library_pages[^/]*\.wasm/;
  await page.route(listsCode, (route) => route.abort('internetdisconnected'));
  forgivenBrowserErrors.push(/^(TypeError: )?Failed to fetch(\n|$)/);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
  await expect(page.getByRole('alert')).toContainText("This page's code could not be fetched");

  await page.unroute(listsCode);
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Projects' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
});
