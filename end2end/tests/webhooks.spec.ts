import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { test, expect, openHydrated, signUpQuietly } from './fixtures';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that records each POST and answers 204. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, server };
}

/** Standard Webhooks verification, written out as the README shows it. */
function isSignedBy(secret: string, delivery: Delivery): boolean {
  const id = String(delivery.headers['webhook-id']);
  const timestamp = String(delivery.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest();
  const isFresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return (
    isFresh &&
    String(delivery.headers['webhook-signature'])
      .split(' ')
      .some((signature) => {
        const [version, value] = signature.split(',');
        const given = Buffer.from(value ?? '', 'base64');
        return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
      })
  );
}

test('a webhook added in Settings shows its secret once and its signed test delivery arrives', async ({ page }) => {
  const receiver = await startReceiver();
  try {
    await signUpQuietly(page.request, 'Webhook Owner');
    await openHydrated(page, '/settings');
    await expect(page.getByTestId('no-webhooks')).toBeVisible();

    const form = page.getByRole('form', { name: 'Add a webhook' });
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel('Description').fill('Team chat');
    await form.getByLabel('Build paused').check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.getByTestId('new-webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const hook = page.getByTestId('webhook');
    await expect(hook).toContainText(receiver.url);
    await expect(hook).toContainText('Build completed, Build failed, Build paused, Build needs attention');
    await expect(page.getByTestId('webhook-list')).not.toContainText(secret);

    await hook.getByRole('button', { name: 'Send test' }).click();
    const delivery = hook.getByTestId('delivery').first();
    await expect(delivery).toHaveAttribute('data-state', 'delivered');
    await expect(delivery).toContainText('Test');
    await expect(delivery).toContainText('answered 204');

    expect(receiver.deliveries).toHaveLength(1);
    const [received] = receiver.deliveries;
    expect(isSignedBy(secret, received)).toBe(true);
    expect(isSignedBy(secret, { ...received, body: received.body.replace('Example', 'Forged') })).toBe(false);
    const message = JSON.parse(received.body);
    expect(message.type).toBe('webhook.test');
    expect(message.id).toBe(received.headers['webhook-id']);

    await hook.getByRole('button', { name: 'Delete', exact: true }).click();
    await hook.getByRole('button', { name: 'Delete webhook' }).click();
    await expect(page.getByTestId('no-webhooks')).toBeVisible();
  } finally {
    receiver.server.close();
  }
});
