import type { Locator, Page } from '@playwright/test';
import { test, expect, openHydrated, PASSWORD, signUpQuietly, uniqueEmail } from './fixtures';

test('a visitor signs up, signs out, signs in again and sees a protected page', async ({ page }) => {
  const email = uniqueEmail('ada');

  // A protected page sends the visitor to sign-in, remembering where they were going.
  await page.goto('/specs');
  await expect(page).toHaveURL(/\/sign-in\?next=\/specs$/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page).toHaveURL(/\/sign-up\?next=\/specs$/);

  const signUp = page.getByRole('form', { name: 'Create your account' });
  await signUp.getByLabel('Name').fill('Ada Lovelace');
  await signUp.getByLabel('Email').fill(email);
  await signUp.getByLabel('Password').fill(PASSWORD);
  await signUp.getByRole('button', { name: 'Create account' }).click();

  await expect(page).toHaveURL(/\/specs$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Specs' })).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  // The session is gone on the server, not just in the page.
  await page.goto('/specs');
  await expect(page).toHaveURL(/\/sign-in\?next=\/specs$/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  const signIn = page.getByRole('form', { name: 'Sign in' });
  await signIn.getByLabel('Email').fill(email.toUpperCase());
  await signIn.getByLabel('Password').fill('not my password');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is wrong.');

  await signIn.getByLabel('Password').fill(PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/specs$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Specs' })).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');
});

test('sign-up explains which password rule was broken', async ({ page }) => {
  const email = uniqueEmail('bob');
  await openHydrated(page, '/sign-up');
  const form = page.getByRole('form', { name: 'Create your account' });
  await form.getByLabel('Name').fill('Bob');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(email);
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('Your password cannot be your email address.');
  await expect(page).toHaveURL(/\/sign-up$/);
});

test('an API token is shown once, works as a Bearer token, and stops working when revoked', async ({
  page,
  request,
}) => {
  await signUpQuietly(page.request, 'Grace Hopper');
  await openHydrated(page, '/settings');
  await expect(page.getByTestId('no-tokens')).toBeVisible();

  await page.getByLabel('Token name').fill('CI pipeline');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByTestId('new-token-secret').inputValue();
  expect(secret).toMatch(/^ap_[A-Za-z0-9_-]{43}$/);
  const list = page.getByTestId('token-list');
  await expect(list).toContainText('CI pipeline');
  await expect(list).toContainText('never used');
  await expect(list).not.toContainText(secret);

  // `request` has no cookies: only the token speaks for the user.
  const me = await request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).display_name).toBe('Grace Hopper');

  await list.getByRole('button', { name: 'Revoke' }).click();
  await list.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByTestId('no-tokens')).toBeVisible();
  const refused = await request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
});

/** Presses "Sign in" and waits for the server's answer, so each attempt is counted before the next. */
async function signInAndWait(page: Page, form: Locator): Promise<void> {
  await Promise.all([
    page.waitForResponse((response) => response.url().includes('/fn/sign_in')),
    form.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

test('after five wrong passwords the sign-in form says how long to wait, and waits even for the right one', async ({
  page,
}) => {
  const email = await signUpQuietly(page.request);
  await page.context().clearCookies();
  await openHydrated(page, '/sign-in');
  const signIn = page.getByRole('form', { name: 'Sign in' });
  await signIn.getByLabel('Email').fill(email);
  for (let attempt = 1; attempt <= 5; attempt++) {
    await signIn.getByLabel('Password').fill(`wrong guess ${attempt}`);
    await signInAndWait(page, signIn);
    await expect(page.getByRole('alert')).toHaveText('The email or password is wrong.');
  }
  await signIn.getByLabel('Password').fill('one more guess');
  await signInAndWait(page, signIn);
  const tooMany = /^Too many failed sign-ins\. Please wait (a minute|\d+ minutes) before trying again\.$/;
  await expect(page.getByRole('alert')).toHaveText(tooMany);

  await signIn.getByLabel('Password').fill(PASSWORD);
  await signInAndWait(page, signIn);
  await expect(page.getByRole('alert')).toHaveText(tooMany);
  await expect(page).toHaveURL(/\/sign-in$/);
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('signing in works as a plain form, errors included', async ({ page }) => {
    const email = await signUpQuietly(page.request, 'Alan Turing');
    await page.context().clearCookies();

    await page.goto('/builds');
    await expect(page).toHaveURL(/\/sign-in\?next=\/builds$/);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill('not my password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('The email or password is wrong.');

    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/builds$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Builds' })).toBeVisible();
    await expect(page.getByTestId('user-name')).toHaveText('Alan Turing');
    // Signing out is a plain form too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
  });
});
