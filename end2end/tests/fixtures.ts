import { gunzipSync } from 'node:zlib';
import { test as base, expect, APIRequestContext, Page, Response } from '@playwright/test';

/** Console errors and uncaught exceptions seen while a test ran. */
type BrowserErrors = string[];

export const test = base.extend<{ browserErrors: BrowserErrors; forgivenBrowserErrors: RegExp[] }>({
  // Errors a test provokes on purpose (a fetch it makes fail), as console
  // messages or uncaught errors; a test adds their patterns.
  forgivenBrowserErrors: async ({}, use) => {
    await use([]);
  },
  browserErrors: [
    async ({ page, forgivenBrowserErrors }, use) => {
      const errors: BrowserErrors = [];
      // Chromium logs an error for every 4xx answer, including ones the app is designed to
      // give: a 404 page a test asked for, or a server function refusing bad input (shown
      // in the form). Only those are forgiven: never an asset, never a 5xx.
      const expectedClientErrors = new Set<string>();
      page.on('response', (response) => {
        const isClientError = response.status() >= 400 && response.status() < 500;
        const isDocument = response.request().resourceType() === 'document';
        const isServerFunction = new URL(response.url()).pathname.startsWith('/fn/');
        if (isClientError && (isDocument || isServerFunction)) expectedClientErrors.add(response.url());
      });
      const consoleErrors: { text: string; url: string }[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push({ text: message.text(), url: message.location().url });
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await use(errors);
      const isForgiven = (text: string) => forgivenBrowserErrors.some((pattern) => pattern.test(text));
      for (const message of pageErrors) {
        if (!isForgiven(message)) errors.push(`page error: ${message}`);
      }
      // Decided at the end: a response event may arrive after its console message.
      for (const { text, url } of consoleErrors) {
        // A test that takes the browser offline (context.setOffline) expects requests to fail meanwhile.
        const isOffline = text.includes('net::ERR_INTERNET_DISCONNECTED');
        const isExpected = text.startsWith('Failed to load resource') && (expectedClientErrors.has(url) || isOffline);
        if (!isExpected && !isForgiven(text)) errors.push(`console: ${text} (${url})`);
      }
      // Every test fails on a console error, not just the ones that look.
      expect(errors, 'the browser reported errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Loads `path` and waits until the WASM has hydrated the page, so clicks are handled. */
export async function openHydrated(page: Page, path: string): Promise<Response | null> {
  const response = await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  return response;
}

/**
 * Opens `path` as `openHydrated` does and answers the server functions the page called while
 * it loaded and hydrated. A page sends its data with its HTML, and hydration reads it back in
 * the order the server wrote it, so the answer is none: a resource that read another one's
 * data would fetch its own.
 */
export async function serverFunctionsCalledOpening(page: Page, path: string): Promise<string[]> {
  const called: string[] = [];
  const record = (request: { url(): string }) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/fn/')) called.push(url.pathname);
  };
  page.on('request', record);
  await openHydrated(page, path);
  // A fetch a resource starts while hydrating goes out within a tick; this leaves it time to.
  await page.waitForTimeout(250);
  page.off('request', record);
  return called;
}

export const PASSWORD = 'correct horse battery staple';

/** An email no other test (or earlier run against the same database) uses. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/**
 * Creates an account through the sign-up server function, so the session cookie lands in
 * `request`'s cookie jar (for `page.request`, the page's too). Returns the email.
 */
export async function signUpQuietly(request: APIRequestContext, displayName = 'Test User'): Promise<string> {
  const email = uniqueEmail('user');
  const response = await request.post('/fn/sign_up', {
    form: { email, display_name: displayName, password: PASSWORD, next: '' },
    headers: { accept: 'application/json' },
  });
  expect(response.status(), await response.text()).toBe(200);
  return email;
}

/**
 * A todo list's spec: the offline agent plans exactly the bullets under its "Features" heading,
 * and builds each in a few seconds (three take about twenty).
 */
export function todoSpec(name: string, features = ['Add a todo', 'Mark a todo as done', 'Remove a todo']): string {
  return `# ${name}\n\nA todo list.\n\n## Features\n${features.map((feature) => `- ${feature}\n`).join('')}`;
}

/** Creates a spec named `name` through the REST API (with `request`'s cookies); returns its id. */
export async function createSpec(request: APIRequestContext, name: string, content = todoSpec(name)): Promise<string> {
  const response = await request.post('/api/specs', { data: { name, content } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).id;
}

/** Queues a build of the spec through the REST API (with `request`'s cookies); returns its id. */
export async function startBuild(request: APIRequestContext, specId: string): Promise<string> {
  const response = await request.post('/api/builds', { data: { spec_id: specId } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).id;
}

/**
 * Waits until the build has ended and fails unless it completed; the workers may be busy
 * with other tests' builds first.
 */
export async function waitForBuildToComplete(request: APIRequestContext, buildId: string, timeout = 180_000): Promise<void> {
  let build: { status: string; status_reason: string | null } = { status: 'queued', status_reason: null };
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/builds/${buildId}`);
        expect(response.status(), await response.text()).toBe(200);
        build = await response.json();
        return build.status;
      },
      { message: `build ${buildId} should end`, timeout, intervals: [1_000] },
    )
    .toMatch(/^(completed|failed|cancelled|paused)$/);
  expect(build.status, build.status_reason ?? undefined).toBe('completed');
}

/** One entry of a tar archive: its path (without a leading `./`), its type flag and its bytes. */
export interface TarEntry {
  path: string;
  type: string;
  data: Buffer;
}

/**
 * Reads a gzip'd tar archive the way `tar -tzf` would, failing on a broken header checksum:
 * POSIX ustar (with its name prefix), GNU long names (`L`) and PAX `path` records (`x`).
 */
export function readTarGz(archive: Buffer): TarEntry[] {
  const tar = gunzipSync(archive);
  const entries: TarEntry[] = [];
  const field = (start: number, length: number): string => {
    const bytes = tar.subarray(start, start + length);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end === -1 ? length : end).toString('utf8');
  };
  let longPath: string | undefined;
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    // Two zero blocks end the archive.
    if (header.every((byte) => byte === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    const storedSum = parseInt(field(offset + 148, 8).trim(), 8);
    if (sum !== storedSum) throw new Error(`tar header at byte ${offset} has a bad checksum`);
    const size = parseInt(field(offset + 124, 12).trim() || '0', 8);
    const type = field(offset + 156, 1) || '0';
    const name = field(offset, 100);
    // POSIX ustar keeps the start of long paths in a prefix; GNU's "ustar " uses those bytes otherwise.
    const prefix = field(offset + 257, 6) === 'ustar' ? field(offset + 345, 155) : '';
    const data = Buffer.from(tar.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longPath = data.toString('utf8').replace(/\0+$/, '');
    } else if (type === 'x') {
      longPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? longPath;
    } else if (type !== 'g') {
      const path = longPath ?? (prefix ? `${prefix}/${name}` : name);
      longPath = undefined;
      entries.push({ path: path.replace(/^\.\//, ''), type, data });
    }
  }
  return entries;
}
