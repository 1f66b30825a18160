import type { Locator, Page } from '@playwright/test';
import { test, expect, openHydrated, signUpQuietly } from './fixtures';

// The platform runs these with the built-in offline assistant: no key, no network.

test('a chat with the offline assistant turns an idea into a saved spec', async ({ page }) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/chat');
  await page.getByLabel('Your idea').fill('A recipe box called Family Table for families to plan weekly meals.');
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  const replies = page.getByTestId('messages').locator('[data-role=assistant]');
  await expect(replies.first()).toHaveAttribute('data-status', 'complete', { timeout: 20_000 });
  await expect(replies.first()).toContainText('Who will use it?');
  await expect(page.getByTestId('chat-list')).toContainText('A recipe box called Family Table');

  const answer = page.getByLabel('Your message');
  await answer.fill(
    '1. Parents planning dinners\n2. save recipes, plan the week, build a shopping list\n3. Recipes and plans\n4. Rust and Postgres',
  );
  await answer.press('Enter');
  await expect(replies.nth(1)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 });
  await expect(replies.nth(1).getByTestId('reply-spec-card')).toContainText('Family Table');

  const preview = page.getByTestId('spec-preview');
  // Under the page's own title, the spec's headings start at level 2.
  await expect(preview.getByRole('heading', { name: 'Family Table', level: 2 })).toBeVisible();
  await expect(preview).toContainText('Build a shopping list');
  await expect(page.getByTestId('spec-counts')).toContainText(/lines · [\d.]+ KiB of 1 MiB/);
  await expect(page.getByLabel('Spec name')).toHaveValue('Family Table');

  // Everything said is kept.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(replies).toHaveCount(2);
  await expect(page.getByTestId('messages').locator('[data-role=user]').nth(1)).toContainText('Parents planning dinners');

  await page.getByRole('button', { name: 'Save as spec' }).click();
  await expect(page).toHaveURL(/\/specs\/[0-9a-f-]{36}$/);
  // Exact: the chat's title holds the name too, and the chat stays on screen
  // until the spec page's code has loaded.
  await expect(page.getByRole('heading', { level: 1, name: 'Family Table', exact: true })).toBeVisible();
  await expect(page.getByTestId('spec-rendered')).toContainText('Build a shopping list');
});

/** Starts a chat whose first reply writes a spec, and answers that reply
 * once its first words are on screen, still streaming. */
async function startStreamingReply(page: Page): Promise<Locator> {
  await openHydrated(page, '/chat');
  await page.getByLabel('Your idea').fill('Write the spec for a habit tracker with streaks, go ahead.');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.getByTestId('messages').locator('[data-role=assistant]').first();
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  await expect(reply).toContainText('Here is the specification');
  return reply;
}

test('Stop during streaming keeps the partial answer, also after a reload', async ({ page }) => {
  await signUpQuietly(page.request);
  const reply = await startStreamingReply(page);
  // While the reply is written, the browser renders its Markdown itself.
  await expect(page.getByTestId('spec-preview').getByRole('heading', { level: 2 })).toBeVisible();
  // The name, selected to be typed over while the spec grows, stays
  // selected as it grows, and what is typed stays as typed, in focus.
  // Once a section follows the title, the name (the title) is whole.
  await expect(page.getByTestId('spec-preview').getByRole('heading', { level: 3, name: 'Overview' })).toBeVisible();
  const name = page.getByLabel('Spec name');
  const title = await name.inputValue();
  await name.selectText();
  // The spec grows after the selection was made.
  const counts = await page.getByTestId('spec-counts').innerText();
  await expect(page.getByTestId('spec-counts')).not.toHaveText(counts);
  const selection = await name.evaluate((input: HTMLInputElement) => [input.selectionStart, input.selectionEnd]);
  expect(selection).toEqual([0, title.length]);
  await page.keyboard.type('Streaks', { delay: 80 });
  await expect(name).toBeFocused();
  await expect(name).toHaveValue('Streaks');
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  await page.getByRole('button', { name: 'Stop' }).click();

  await expect(reply).toHaveAttribute('data-status', 'stopped');
  await expect(reply).toContainText('Stopped. The answer so far is kept');
  // The chat was read again as the reply stopped; the name is still as typed.
  await expect(name).toHaveValue('Streaks');
  const partial = await reply.locator('.prose-chat').first().innerText();
  expect(partial).toContain('Here is the specification');
  // The spec was cut off: it shows, but cannot be saved as if it were whole.
  await expect(page.getByTestId('spec-counts')).toContainText('still being written');
  await expect(page.getByRole('button', { name: 'Save as spec' })).toBeDisabled();

  await page.reload();
  await expect(reply).toHaveAttribute('data-status', 'stopped');
  expect(await reply.locator('.prose-chat').first().innerText()).toBe(partial);
  await expect(page.getByRole('button', { name: 'Retry last answer' })).toBeEnabled();
});

test('a name being typed keeps its place when the reply ends and the chat is read again', async ({ page }) => {
  await signUpQuietly(page.request);
  const reply = await startStreamingReply(page);
  await expect(page.getByTestId('spec-preview').getByRole('heading', { level: 3, name: 'Overview' })).toBeVisible();
  const name = page.getByLabel('Spec name');
  const title = await name.inputValue();
  await name.click();
  await page.keyboard.press('End');
  await page.keyboard.type(' Pro');
  await page.keyboard.press('ArrowLeft');
  await expect(reply).toHaveAttribute('data-status', 'complete', { timeout: 30_000 });
  // The chat was read again as the reply ended: the person is still in the
  // field, where they left it.
  await expect(name).toBeFocused();
  await page.keyboard.type('X');
  await expect(name).toHaveValue(`${title} PrXo`);
});

test('a reply streams as typed when the Markdown code cannot be fetched, and the page keeps working', async ({
  page,
  forgivenBrowserErrors,
}) => {
  await signUpQuietly(page.request);
  // The parser is a WASM chunk of its own, fetched when a reply starts
  // streaming; here the network drops that fetch. cargo-leptos's loader logs
  // it, and may leave the fetch's promise briefly unhandled.
  await page.route(/markdown_renderer[^/]*\.wasm/, (route) => route.abort('internetdisconnected'));
  forgivenBrowserErrors.push(/^(TypeError: )?Failed to fetch(\n|$)/);
  const reply = await startStreamingReply(page);
  // As typed: the spec's title keeps its `#`.
  await expect(page.getByTestId('spec-preview')).toContainText(/^# /m);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(reply).toHaveAttribute('data-status', 'stopped');
  // Saved, it comes rendered by the server.
  await expect(page.getByTestId('spec-preview').getByRole('heading', { level: 2 })).toBeVisible();
});

test('an unsent message is kept in this browser across a reload', async ({ page }) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/chat');
  await page.getByLabel('Your idea').fill('A garden planner for balconies');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByLabel('Your idea')).toHaveValue('A garden planner for balconies');
});
