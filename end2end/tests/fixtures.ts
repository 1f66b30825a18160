import { test as base, expect, Page } from '@playwright/test';

/** Console errors and uncaught exceptions seen while a test ran. */
type BrowserErrors = string[];

export const test = base.extend<{ browserErrors: BrowserErrors }>({
  browserErrors: [
    async ({ page }, use) => {
      const errors: BrowserErrors = [];
      // Chromium logs an error for any page answered with 4xx, including a 404 page a
      // test asked for on purpose; only those documents are forgiven, never assets.
      const documentUrls = new Set<string>();
      page.on('response', (response) => {
        if (response.request().resourceType() === 'document') documentUrls.add(response.url());
      });
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const isPageStatus =
          message.text().startsWith('Failed to load resource') && documentUrls.has(message.location().url);
        if (!isPageStatus) errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      await use(errors);
      // Every test fails on a console error, not just the ones that look.
      expect(errors, 'the browser reported errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Loads `path` and waits until the WASM has hydrated the page, so clicks are handled. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}
