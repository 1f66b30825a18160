import { test, expect, openHydrated, signUpQuietly } from './fixtures';

test('the wizard turns answers into a refined, saved spec, keeping them across a reload', async ({ page }) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/wizard');
  const preview = page.getByTestId('spec-preview');

  await page.getByLabel('App name').fill('Habit Garden');
  await page.getByLabel('One-line pitch').fill('Track daily habits as a growing garden.');
  await expect(preview).toContainText('# Habit Garden');
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByRole('textbox', { name: 'Target users' }).fill('People building new routines.');
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByRole('button', { name: 'Add feature' }).click();
  await page.getByLabel('Feature 1 title').fill('Log a habit');
  await page.getByLabel('Feature 1 details').fill('Tick off a habit for today.');
  await page.getByRole('button', { name: 'Add feature' }).click();
  await page.getByLabel('Feature 2 title').fill('See the garden');
  await page.getByRole('button', { name: 'Move feature 2 up' }).click();
  await expect(preview).toContainText('### 1. See the garden');
  await expect(preview).toContainText('### 2. Log a habit');
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByLabel('Data the app stores').fill('Habits and daily check-ins.');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Technology stack').fill('Rust and PostgreSQL');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Review', exact: true })).toBeVisible();

  // Answers and the step survive a reload.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByRole('heading', { level: 2, name: 'Review', exact: true })).toBeVisible();
  await expect(preview).toContainText('### 2. Log a habit');

  await page.getByRole('button', { name: 'Refine with AI' }).click();
  await expect(page.getByTestId('refined-badge')).toBeVisible({ timeout: 20_000 });
  await expect(preview).toContainText('## Non-functional requirements');
  await expect(preview).toContainText('### 1. See the garden');

  await page.getByRole('button', { name: 'Save as spec' }).click();
  await expect(page).toHaveURL(/\/specs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Habit Garden' })).toBeVisible();
  await expect(
    page.getByTestId('spec-rendered').getByRole('heading', { level: 3, name: 'Non-functional requirements' }),
  ).toBeVisible();
});
