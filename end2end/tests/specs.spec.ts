import type { Locator } from '@playwright/test';
import { test, expect, createSpec, openHydrated, serverFunctionsCalledOpening, signUpQuietly } from './fixtures';

test('a spec is written by hand, read rendered and as source, edited into a new version, compared, downloaded, duplicated and deleted', async ({
  page,
}) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/specs');
  await expect(page.getByText('No specs yet')).toBeVisible();

  await page.getByRole('button', { name: 'New spec' }).click();
  await page.getByRole('menuitem', { name: 'Create manually' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a spec' });
  await dialog.getByLabel('Name').fill('Todo app');
  const longLine = 'averyveryverylongwordwithoutspaces'.repeat(20);
  await dialog.getByLabel('Content').fill(`# Todo\n\n- add items\n- list items\n\n${longLine}\n`);
  await expect(dialog.getByTestId('size-meter')).toContainText('6 lines');
  await dialog.getByRole('button', { name: 'Create spec' }).click();

  await expect(page).toHaveURL(/\/specs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Todo app' })).toBeVisible();
  // Rendered first, its headings under the page's title, its long line wrapped.
  const rendered = page.getByTestId('spec-rendered');
  await expect(rendered.getByRole('heading', { level: 2, name: 'Todo' })).toBeVisible();
  await expect(rendered.getByRole('listitem')).toHaveText(['add items', 'list items']);
  const fitsItsBox = (box: Locator) => box.evaluate((element) => element.scrollWidth <= element.clientWidth);
  expect(await fitsItsBox(rendered)).toBe(true);
  await page.getByRole('link', { name: 'Source' }).click();
  await expect(page).toHaveURL(/\?view=source$/);
  const source = page.getByTestId('spec-content');
  await expect(source).toContainText('- list items');
  await expect(source.locator('.numbered-lines > span')).toHaveCount(6);
  expect(await fitsItsBox(source)).toBe(true);

  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Content').fill(`# Todo\n\n- add items\n- delete items\n- list items\n\n${longLine}\n`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('spec-content')).toContainText('- delete items');
  const versions = page.getByTestId('version-list');
  await expect(versions.locator('li')).toHaveCount(2);
  await versions.getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByTestId('version-diff')).toContainText('v1 → v2: 1 added, 0 removed');

  // The less common actions wait in a menu, opened and walked with the keyboard.
  const more = page.getByRole('button', { name: 'More actions' });
  await more.click();
  const menu = page.getByRole('menu', { name: 'More actions' });
  await expect(menu.getByRole('menuitem', { name: 'Copy text' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Download' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(more).toBeFocused();

  await more.click();
  const download = page.waitForEvent('download');
  await menu.getByRole('menuitem', { name: 'Download' }).click();
  expect((await download).suggestedFilename()).toBe('Todo app.md');
  await expect(menu).toBeHidden();

  await more.click();
  await menu.getByRole('menuitem', { name: 'Duplicate' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Copy of Todo app' })).toBeVisible();
  await more.click();
  await menu.getByRole('menuitem', { name: 'Delete…' }).click();
  await page.getByRole('dialog', { name: 'Delete this spec?' }).getByRole('button', { name: 'Delete spec' }).click();
  await expect(page).toHaveURL(/\/specs$/);
  await expect(page.getByTestId('spec-card')).toHaveCount(1);
  await expect(page.getByTestId('spec-card')).toContainText('Todo app');
});

test('a dialog takes the focus, asks before Escape or the backdrop discards what was typed, and gives the focus back', async ({
  page,
}) => {
  await signUpQuietly(page.request);
  await createSpec(page.request, 'Kept');
  await openHydrated(page, '/specs');
  await page.getByRole('button', { name: 'New spec' }).click();
  await page.getByRole('menuitem', { name: 'Create manually' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a spec' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await dialog.getByLabel('Name').fill('Half a thought');

  // Declined, Escape and a click on the backdrop keep the text; accepted, it goes.
  const asked: string[] = [];
  page.on('dialog', (question) => {
    asked.push(question.message());
    void (asked.length < 3 ? question.dismiss() : question.accept());
  });
  await page.keyboard.press('Escape');
  await expect.poll(() => asked.length).toBe(1);
  await page.mouse.click(5, 5);
  await expect.poll(() => asked.length).toBe(2);
  await expect(dialog.getByLabel('Name')).toHaveValue('Half a thought');
  // A press inside the panel released over the backdrop (selecting text) is no click on it.
  const name = await dialog.getByLabel('Name').boundingBox();
  await page.mouse.move(name!.x + 5, name!.y + 5);
  await page.mouse.down();
  await page.mouse.move(5, 5);
  await page.mouse.up();
  await expect(dialog).toBeVisible();
  expect(asked).toHaveLength(2);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(asked).toEqual(['Discard what you typed?', 'Discard what you typed?', 'Discard what you typed?']);

  // Nothing typed, nothing asked; the focus goes back to the button that opened the dialog.
  const card = page.getByTestId('spec-card').filter({ hasText: 'Kept' });
  await card.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this spec?' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(confirm).toHaveCount(0);
  await expect(card.getByRole('button', { name: 'Delete' })).toBeFocused();
  expect(asked).toHaveLength(3);
});

test('a 1.1 MiB paste shows the size error and keeps the text in the editor', async ({ page }) => {
  await signUpQuietly(page.request);
  await openHydrated(page, '/specs');
  await page.getByRole('button', { name: 'New spec' }).click();
  await page.getByRole('menuitem', { name: 'Create manually' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a spec' });
  await dialog.getByLabel('Name').fill('Too big');
  const huge = '- a line of a very long spec\n'.repeat(39_773).padEnd(1_153_434, 'x');
  // A paste: the whole text arrives in one input event.
  await dialog.getByLabel('Content').evaluate((area: HTMLTextAreaElement, text: string) => {
    area.value = text;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }, huge);
  await expect(dialog.getByTestId('size-meter')).toContainText('over the limit');
  await dialog.getByRole('button', { name: 'Create spec' }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'The spec is 1,153,434 bytes (1.10 MiB); the limit is 1,048,576 bytes (1 MiB).',
  );
  expect((await dialog.getByLabel('Content').inputValue()).length).toBe(1_153_434);
  await expect(page).toHaveURL(/\/specs$/);
});

test('a project is created and a spec attached to it', async ({ page }) => {
  await signUpQuietly(page.request);
  const created = await page.request.post('/api/specs', { data: { name: 'Shop', content: '# Shop' } });
  expect(created.status()).toBe(201);
  const spec = await created.json();

  await openHydrated(page, '/projects');
  const form = page.getByRole('form', { name: 'New project' });
  await form.getByLabel('Name').fill('Weekend apps');
  await form.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Weekend apps' })).toBeVisible();
  const projectUrl = page.url();

  // The spec's page arrives with its data (the spec, the projects, the versions) and fetches
  // nothing more to hydrate.
  expect(await serverFunctionsCalledOpening(page, `/specs/${spec.id}`)).toEqual([]);
  // Choosing a project saves at once; wait for that save before looking elsewhere.
  const moved = page.waitForResponse((response) => response.url().endsWith('/fn/move_spec_to_project'));
  await page.getByLabel('Project').selectOption({ label: 'Weekend apps' });
  expect((await moved).status()).toBe(200);
  await openHydrated(page, new URL(projectUrl).pathname);
  await expect(page.getByTestId('project-specs')).toContainText('Shop');
});

test("the error under a spec's actions is the last answer's, gone once an action succeeds", async ({ page }) => {
  await signUpQuietly(page.request);
  const spec = await (await page.request.post('/api/specs', { data: { name: 'Shop', content: '# Shop v1' } })).json();
  const edited = await page.request.patch(`/api/specs/${spec.id}`, { data: { content: '# Shop v2' } });
  expect(edited.status(), await edited.text()).toBe(200);
  const project = await (await page.request.post('/api/projects', { data: { name: 'Gone soon' } })).json();
  await openHydrated(page, `/specs/${spec.id}`);

  // The project is deleted elsewhere (another tab) after this page listed it.
  expect((await page.request.delete(`/api/projects/${project.id}`)).status()).toBe(204);
  await page.getByLabel('Project').selectOption({ label: 'Gone soon' });
  const error = page.getByTestId('form-error');
  await expect(error).toHaveText('There is no such project. It may have been deleted.');

  await page.getByTestId('version-list').getByRole('button', { name: 'Restore' }).click();
  await page.getByRole('dialog', { name: 'Restore this version?' }).getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByTestId('spec-rendered')).toContainText('Shop v1');
  await expect(error).toBeHidden();
});

test('a save refused for size keeps the edit and says why', async ({ page }) => {
  await signUpQuietly(page.request);
  const created = await page.request.post('/api/specs', { data: { name: 'Notes', content: '# Notes' } });
  const spec = await created.json();
  await openHydrated(page, `/specs/${spec.id}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  const huge = 'y'.repeat(1_048_577);
  await page.getByLabel('Content').evaluate((area: HTMLTextAreaElement, text: string) => {
    area.value = text;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }, huge);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('The spec is 1,048,577 bytes');
  expect((await page.getByLabel('Content').inputValue()).length).toBe(1_048_577);
  // Nothing was saved: the history still has one version.
  await expect(page.getByTestId('version-list').locator('li')).toHaveCount(1);
});

test('a save after another tab saved is refused and keeps the edit; moving and restoring wait for the edit', async ({ page }) => {
  await signUpQuietly(page.request);
  const created = await page.request.post('/api/specs', { data: { name: 'Notes', content: '# Notes' } });
  const spec = await created.json();
  const edited = await page.request.patch(`/api/specs/${spec.id}`, { data: { content: '# Notes\n\n- second' } });
  expect(edited.status()).toBe(200);
  await openHydrated(page, `/specs/${spec.id}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  // Either would reload the spec and end the edit.
  await expect(page.getByLabel('Project')).toBeDisabled();
  await expect(page.getByTestId('version-list').getByRole('button', { name: 'Restore' })).toBeDisabled();
  await page.getByLabel('Content').fill('# Notes\n\n- from this tab');

  const elsewhere = await page.request.patch(`/api/specs/${spec.id}`, { data: { content: '# Notes\n\n- from another tab' } });
  expect(elsewhere.status()).toBe(200);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('saved elsewhere after you opened it: it is at version 3');
  await expect(page.getByLabel('Content')).toHaveValue('# Notes\n\n- from this tab');
  page.once('dialog', (question) => void question.accept());
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByLabel('Project')).toBeEnabled();
});
