import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import {
  test as base,
  expect,
  createSpec,
  openHydrated,
  signUpQuietly,
  startBuild,
  todoSpec,
  waitForBuildToComplete,
} from './fixtures';

// Every page of the app, as a signed-in person with something in each section sees it: checked
// by axe-core against WCAG 2.1 A and AA, and on a phone for content wider than the screen.

/** A signed-in person with a spec, a chat that wrote one and a finished build. */
interface Account {
  storageState: Awaited<ReturnType<APIRequestContext['storageState']>>;
  specId: string;
  chatId: string;
  buildId: string;
}

/** Waits until the chat holds `count` exchanges, each reply complete. */
async function waitForReplies(request: APIRequestContext, chatId: string, count: number): Promise<void> {
  await expect
    .poll(
      async () => {
        const chat = await (await request.get(`/api/chats/${chatId}`)).json();
        return chat.messages.map((message: { role: string; status: string }) => `${message.role} ${message.status}`);
      },
      { message: 'the assistant should answer', timeout: 30_000 },
    )
    .toEqual(Array.from({ length: count }, () => ['user complete', 'assistant complete']).flat());
}

/** A chat in which the offline assistant asked its questions, then wrote a spec from the answers. */
async function startChatThatWroteASpec(request: APIRequestContext): Promise<string> {
  const started = await request.post('/api/chats', {
    data: { message: 'A recipe box called Family Table for families to plan weekly meals.' },
  });
  expect(started.status(), await started.text()).toBe(202);
  const chatId: string = (await started.json()).id;
  await waitForReplies(request, chatId, 1);
  const answers = [
    '1. Parents planning dinners',
    '2. save recipes, plan the week, build a shopping list',
    '3. Recipes and plans',
    '4. Rust and Postgres',
  ];
  const answered = await request.post(`/api/chats/${chatId}/messages`, { data: { message: answers.join('\n') } });
  expect(answered.status(), await answered.text()).toBe(202);
  await waitForReplies(request, chatId, 2);
  return chatId;
}

// One account per worker, made in about ten seconds: a worker that starts again after a failed
// test makes a fresh one, so every page is still checked (serial tests would skip the rest).
const test = base.extend<{}, { account: Account }>({
  account: [
    async ({ playwright }, use, workerInfo) => {
      const request = await playwright.request.newContext({ baseURL: workerInfo.project.use.baseURL });
      await signUpQuietly(request, 'Ada Lovelace');
      // One feature keeps the build to about ten seconds; its pages have the same parts as for three.
      const specId = await createSpec(request, 'Tiny todo', todoSpec('Tiny todo', ['Add a todo']));
      const buildId = await startBuild(request, specId);
      const chatId = await startChatThatWroteASpec(request);
      await waitForBuildToComplete(request, buildId);
      await use({ storageState: await request.storageState(), specId, chatId, buildId });
      await request.dispose();
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  storageState: async ({ account }, use) => use(account.storageState),
});

interface Screen {
  name: string;
  path: (account: Account) => string;
  /** Waits for what the page shows once its data has arrived, beyond its title. */
  isReady?: (page: Page) => Promise<void>;
  /** What axe leaves out: the app a build made, which is the agent's work, not the platform's. */
  notOurs?: string;
}

const SCREENS: Screen[] = [
  { name: 'the dashboard', path: () => '/' },
  { name: 'the specs list', path: () => '/specs' },
  {
    name: 'a spec',
    path: ({ specId }) => `/specs/${specId}`,
    isReady: (page) => expect(page.getByTestId('spec-rendered')).toBeVisible(),
  },
  { name: 'a new chat', path: () => '/chat' },
  {
    name: 'a chat that wrote a spec',
    path: ({ chatId }) => `/chat/${chatId}`,
    isReady: (page) => expect(page.getByTestId('spec-preview')).toContainText('Family Table'),
  },
  { name: 'the wizard', path: () => '/wizard' },
  {
    name: 'the builds list',
    path: () => '/builds',
    isReady: (page) => expect(page.getByTestId('build-row')).toHaveCount(1),
  },
  {
    name: "a finished build's activity",
    path: ({ buildId }) => `/builds/${buildId}?view=activity`,
    isReady: (page) => expect(page.getByTestId('features').locator('li[data-passed="true"]')).toHaveCount(1),
  },
  {
    name: "a finished build's log",
    path: ({ buildId }) => `/builds/${buildId}?view=logs`,
    isReady: (page) => expect(page.getByTestId('build-log').locator('[data-seq]').first()).toBeVisible(),
  },
  {
    name: "a finished build's preview",
    path: ({ buildId }) => `/builds/${buildId}?view=preview`,
    isReady: (page) => expect(page.getByTestId('preview-state')).toBeVisible(),
    notOurs: 'iframe',
  },
  { name: 'settings', path: () => '/settings' },
];

async function openScreen(page: Page, screen: Screen, account: Account): Promise<void> {
  await openHydrated(page, screen.path(account));
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await screen.isReady?.(page);
}

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/** axe-core's tags for the success criteria of WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Elements of a rule listed in a failure; the rest are counted. */
const SHOWN_ELEMENTS = 5;

/** One entry per failing rule: its impact, what it asks, and where and why it fails. */
function describeViolations(violations: Violation[]): string[] {
  return violations.map((violation) => {
    const elements = violation.nodes.slice(0, SHOWN_ELEMENTS).map(
      (node) =>
        `  - at ${node.target.join(' ')}\n` +
        `    ${node.html}\n` +
        `    ${(node.failureSummary ?? '').replace(/\n/g, '\n    ')}`,
    );
    const more = violation.nodes.length - SHOWN_ELEMENTS;
    return [
      `${violation.id} (${violation.impact}): ${violation.help} (${violation.helpUrl})`,
      ...elements,
      ...(more > 0 ? [`  … and ${more} more elements`] : []),
    ].join('\n');
  });
}

// The dark theme follows the system's setting, so each colour scheme is its own set of contrasts.
for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`axe-core finds no serious or critical WCAG 2.1 AA violation (${colorScheme} theme)`, () => {
    test.use({ colorScheme });

    for (const screen of SCREENS) {
      test(`on ${screen.name}`, async ({ page, account }) => {
        await openScreen(page, screen, account);
        const axe = new AxeBuilder({ page }).withTags(WCAG_21_AA);
        const results = await (screen.notOurs ? axe.exclude(screen.notOurs) : axe).analyze();
        const blocking = results.violations.filter(({ impact }) => impact === 'serious' || impact === 'critical');
        expect(describeViolations(blocking), `${blocking.length} serious or critical rules fail`).toEqual([]);
      });
    }
  });
}

/** Screens the layout must fit without scrolling sideways. */
const WIDTHS = [
  // The narrowest phones, and the width WCAG 2.1's Reflow criterion (1.4.10) asks content to fit.
  { name: 'a 320 px phone', use: { viewport: { width: 320, height: 568 }, isMobile: true, hasTouch: true } },
  // A small laptop or a tablet held sideways, where the sidebar and a page's columns meet.
  { name: 'a 1024 px tablet', use: { viewport: { width: 1024, height: 768 }, hasTouch: true } },
];

for (const width of WIDTHS) {
  test.describe(`on ${width.name} nothing is wider than the screen`, () => {
    test.use(width.use);

    for (const screen of SCREENS) {
      test(`on ${screen.name}`, async ({ page, account }) => {
        await openScreen(page, screen, account);
        const { scrollWidth, clientWidth, overflowing } = await measureWidth(page);
        expect(scrollWidth, `the page scrolls sideways; sticking out: ${overflowing.join(', ')}`).toBeLessThanOrEqual(
          clientWidth,
        );
      });
    }
  });
}

/** The page's width against the screen's, and the outermost elements that stick out past it. */
function measureWidth(page: Page): Promise<{ scrollWidth: number; clientWidth: number; overflowing: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const sticksOut = (element: Element) => element.getBoundingClientRect().right > root.clientWidth + 0.5;
    // Inside a box that scrolls or clips, wide content does not widen the page.
    const isClipped = (element: Element) => {
      for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== 'visible') return true;
      }
      return false;
    };
    const describe = (element: Element) => {
      const testId = element.getAttribute('data-testid');
      const name = testId ? `[data-testid="${testId}"]` : element.id ? `#${element.id}` : '';
      const classes = [...element.classList].slice(0, 6).map((name) => `.${name}`).join('');
      const right = Math.round(element.getBoundingClientRect().right);
      return `${element.tagName.toLowerCase()}${name}${classes} (right edge at ${right}px)`;
    };
    const overflowing = [...document.body.querySelectorAll('*')]
      .filter((element) => sticksOut(element) && !isClipped(element))
      // Their children would only repeat them.
      .filter((element) => !(element.parentElement && sticksOut(element.parentElement)))
      .map(describe);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflowing };
  });
}
