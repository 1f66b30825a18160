import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test, expect, openHydrated, PASSWORD, readTarGz, serverFunctionsCalledOpening, uniqueEmail } from './fixtures';

// A new user's whole way from an idea to the app's files on their disk, with the offline
// assistant and the offline build agent. A build of the three features the chat plans takes
// minutes in the real sandbox (see builds.spec.ts); the archive is made once it has ended.

const BUILD_URL = /\/builds\/([0-9a-f-]{36})$/;

test('a new user chats an app into a spec, builds it, downloads the work and reads its files', async ({
  page,
  browser,
}) => {
  test.setTimeout(480_000);

  // Sign up.
  await openHydrated(page, '/sign-up?next=/chat');
  const signUp = page.getByRole('form', { name: 'Create your account' });
  await signUp.getByLabel('Name').fill('Tess Taker');
  await signUp.getByLabel('Email').fill(uniqueEmail('taker'));
  await signUp.getByLabel('Password').fill(PASSWORD);
  await signUp.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  // Chat with the offline assistant until it writes the spec, and save it.
  await page.getByLabel('Your idea').fill('A recipe box called Family Table for families to plan weekly meals.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  const replies = page.getByTestId('messages').locator('[data-role=assistant]');
  await expect(replies.first()).toHaveAttribute('data-status', 'complete', { timeout: 20_000 });
  const answer = page.getByLabel('Your message');
  await answer.fill(
    '1. Parents planning dinners\n2. save recipes, plan the week, build a shopping list\n3. Recipes and plans\n4. Keep it simple',
  );
  await answer.press('Enter');
  await expect(replies.nth(1)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 });
  await expect(page.getByLabel('Spec name')).toHaveValue('Family Table');
  await page.getByRole('button', { name: 'Save as spec' }).click();
  await expect(page).toHaveURL(/\/specs\/[0-9a-f-]{36}$/);
  // Exact: the chat's title holds the name too, and the chat stays on screen
  // until the spec page's code has loaded.
  await expect(page.getByRole('heading', { level: 1, name: 'Family Table', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  // Build it and watch it finish.
  await page.getByRole('button', { name: 'Build this app' }).click();
  await expect(page).toHaveURL(BUILD_URL);
  const buildUrl = page.url();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Build of Family Table');
  await expect(page.getByTestId('live')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('build-status')).toHaveText('Completed', { timeout: 300_000 });

  // The result appears without a reload: archiving first, then the stored archive.
  const result = page.getByTestId('build-result');
  await expect(result.getByRole('heading', { name: 'The result' })).toBeVisible();
  const artifact = page.getByTestId('artifact');
  await expect(artifact).toHaveAttribute('data-state', 'stored', { timeout: 60_000 });
  await expect(page.getByTestId('artifact-facts')).toContainText(/Size\s*[\d.]+ (B|KiB|MiB)/);
  const sha256 = await page.getByTestId('artifact-sha').getAttribute('title');
  expect(sha256).toMatch(/^[0-9a-f]{64}$/);

  // Download: a plain link, saying it is starting once clicked.
  const link = page.getByTestId('download-archive');
  await expect(link).toHaveAttribute('href', new RegExp(`/api/builds/${BUILD_URL.exec(buildUrl)![1]}/artifacts$`));
  const downloading = page.waitForEvent('download');
  await link.click();
  await expect(link).toHaveText('Starting download…');
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^family-table-[0-9a-f]{8}\.tar\.gz$/);
  const archive = await readFile((await download.path())!);
  expect(createHash('sha256').update(archive).digest('hex')).toBe(sha256);

  // A valid gzip'd tar holding the app the agent wrote.
  const entries = readTarGz(archive);
  const fileNamed = (name: string) =>
    entries.find((entry) => entry.type === '0' && (entry.path === name || entry.path.endsWith(`/${name}`)));
  const readme = fileNamed('README.md');
  expect(readme, `README.md among ${entries.map((entry) => entry.path).join(', ')}`).toBeDefined();
  expect(readme!.data.toString('utf8').split('\n')[0]).toBe('# Family Table');
  expect(fileNamed('feature_list.json')).toBeDefined();
  expect(fileNamed('app_spec.txt')).toBeDefined();

  // Read a file in place: the tree links it, the viewer shows it with line numbers.
  const tree = page.getByTestId('file-tree');
  const viewer = page.getByTestId('file-viewer');
  await expect(viewer).toContainText('Choose a file to read it here.');
  const readmeLink = tree.getByRole('link', { name: 'README.md', exact: true });
  await readmeLink.click();
  await expect(readmeLink).toHaveAttribute('aria-current', 'true');
  await expect(viewer.getByTestId('viewer-path')).toHaveText('README.md');
  const content = viewer.getByTestId('file-content');
  const lines = content.locator('.numbered-lines > span');
  await expect(lines.first()).toHaveText('# Family Table');
  // Each line is a row numbered by a counter in its gutter, which copying leaves out.
  expect(await lines.nth(2).evaluate((line) => getComputedStyle(line, '::before').content)).toBe('counter(line)');
  expect((await content.innerText()).split('\n')[0]).toBe('# Family Table');
  // The file has an address of its own, which opens it again.
  await expect(page).toHaveURL(/\?file=README\.md#files$/);
  // Opened at that address, the page arrives with the file and fetches nothing more to hydrate.
  expect(await serverFunctionsCalledOpening(page, page.url())).toEqual([]);
  await expect(lines.first()).toHaveText('# Family Table');
  await expect(readmeLink).toHaveAttribute('aria-current', 'true');
  // Directories open and close; a file's address opens the directories it is in.
  const directory = tree.locator('details').first();
  if ((await directory.count()) > 0) {
    await expect(directory).not.toHaveAttribute('open');
    await directory.locator(':scope > summary').click();
    await expect(directory).toHaveAttribute('open', '');
    await directory.locator(':scope > summary').click();
    await expect(directory).not.toHaveAttribute('open');
    const nested = directory.locator('a[data-path]').first();
    const nestedPath = (await nested.getAttribute('data-path'))!;
    expect(await serverFunctionsCalledOpening(page, (await nested.getAttribute('href'))!)).toEqual([]);
    await expect(nested).toHaveAttribute('aria-current', 'true');
    await expect(nested).toBeVisible();
    await expect(viewer.getByTestId('viewer-path')).toHaveText(nestedPath);
    await expect(readmeLink).not.toHaveAttribute('aria-current');
  }

  // The evidence beside it.
  // Every feature the agent planned passes, each with the test run that proved it.
  await expect(page.getByTestId('evidence-features')).toContainText(/Features \((\d+) of \1 pass\)/);
  await expect(page.getByTestId('evidence-features').locator('li[data-passes="false"]')).toHaveCount(0);
  await expect(page.getByTestId('evidence-features').locator('li[data-passes="true"]').first()).toBeVisible();
  await expect(page.getByTestId('evidence-commits')).toBeVisible();
  await expect(page.getByTestId('evidence-sandbox')).toContainText('Network');
  const evidenceText = (await page.getByTestId('evidence').textContent())!;

  // The evidence is the server's HTML: a reload hydrates over it and shows the same.
  await openHydrated(page, buildUrl);
  await expect(page.getByTestId('evidence')).toHaveText(evidenceText);

  // Without JavaScript the page renders the stored archive, and the link still downloads it.
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  try {
    const plainPage = await noScript.newPage();
    await plainPage.goto(buildUrl);
    await expect(plainPage.getByTestId('artifact')).toHaveAttribute('data-state', 'stored');
    await expect(plainPage.getByTestId('evidence-features')).toContainText(/Features \((\d+) of \1 pass\)/);
    // The tree's links open a file.
    await plainPage.getByTestId('file-tree').getByRole('link', { name: 'README.md', exact: true }).click();
    await expect(plainPage.getByTestId('file-content').locator('.numbered-lines > span').first()).toHaveText('# Family Table');
    const plainDownloading = plainPage.waitForEvent('download');
    await plainPage.getByTestId('download-archive').click();
    const plainArchive = await readFile((await (await plainDownloading).path())!);
    expect(createHash('sha256').update(plainArchive).digest('hex')).toBe(sha256);
  } finally {
    await noScript.close();
  }
});
