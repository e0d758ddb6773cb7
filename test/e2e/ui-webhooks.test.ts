/**
 * Webhooks in the browser (Chromium): an administrator registers an endpoint, sees its
 * signing secret once, watches a failed delivery and sends it again, changes and removes the
 * endpoint; a user without WEBHOOK_ADMIN has no link and a 403 by URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { createUser } from '../support/principals.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const canary = 'CANARY-ui-webhook-42f0';

describe.skipIf(!chromiumPath)('webhooks in the browser (Chromium)', () => {
  let b: BrowserApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    b = await browserApp({ TRESOR_OUTBOUND_CA_FILE: receiver.caFile });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await receiver?.close();
  });

  it('registers an endpoint, shows its secret once, sends again what failed, changes and removes it', async () => {
    const page = await b.signIn();
    expect(await page.locator('nav[aria-label="Main"] a').allTextContents()).toContain('Webhooks');
    await page.goto(`${b.base}/admin/webhooks`);

    // A refused URL keeps what was typed and says what is wrong.
    await page.fill('#url', 'http://127.0.0.1/hook');
    await Promise.all([page.waitForResponse(/\/admin\/webhooks$/), page.click('main form button[type=submit]')]);
    expect(await page.textContent('#form-error')).toContain('Only https:// endpoints');
    expect(await page.inputValue('#url')).toBe('http://127.0.0.1/hook');

    await page.fill('#url', `${receiver.base}/ui`);
    await page.uncheck('input[name=events][value="secret.deleted"]');
    await Promise.all([
      page.waitForURL(/\/admin\/webhooks\/[0-9a-f-]{36}$/),
      page.click('main form button[type=submit]'),
    ]);
    const signingSecret = (await page.textContent('code.token'))!;
    expect(signingSecret).toMatch(/^whsec_/);
    // Shown once, so it gets a Copy button.
    expect(await page.locator('button.copy[aria-label="Copy the signing secret"]').count()).toBe(1);
    receiver.secrets.add(signingSecret);
    const endpointUrl = page.url();
    await page.reload();
    expect(await page.locator('code.token').count()).toBe(0);
    expect(await page.content()).not.toContain(signingSecret);

    await b.h.tresor.secrets.create(b.h.admin, { type: 'password', name: 'ui-hooked', fields: { password: canary } });
    receiver.failNext(1, 502);
    await b.h.tresor.webhooks.deliver();
    await page.reload();
    const row = page.locator('table.deliveries tbody tr').first();
    expect(await row.textContent()).toContain('pending (1 attempt)');
    expect(await row.textContent()).toContain('The endpoint answered HTTP 502');
    await b.h.tresor.webhooks.deliver({ now: new Date(Date.now() + 3_600_000) });
    await page.reload();
    expect(await row.textContent()).toContain('delivered (2 attempts)');
    await Promise.all([page.waitForURL(endpointUrl), row.locator('button', { hasText: 'Send again' }).click()]);
    expect(await page.textContent('.flash')).toContain('queued again');
    await b.h.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => [r.json.event, r.signedWith === signingSecret])).toEqual([
      ['secret.created', true],
      ['secret.created', true],
    ]);
    expect(receiver.received.every((r) => !r.body.includes(canary))).toBe(true);

    await page.uncheck('#enabled');
    await Promise.all([
      page.waitForURL(endpointUrl),
      page.click(`form[action$="${new URL(endpointUrl).pathname}"] button`),
    ]);
    expect(await page.textContent('.flash')).toContain('Endpoint saved');
    expect(await page.textContent('main')).toContain('Paused');

    await page.click('form[action$="/rotate-secret"] button');
    await Promise.all([page.waitForURL(endpointUrl), page.click('main form button[type=submit]')]);
    const second = (await page.textContent('code.token'))!;
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(signingSecret);

    await page.click('form[action$="/remove"] button');
    await Promise.all([page.waitForURL(/\/admin\/webhooks$/), page.click('main form button[type=submit]')]);
    expect(await page.textContent('.flash')).toContain('Endpoint removed');
    expect(await b.h.tresor.webhooks.list(b.h.admin)).toEqual([]);
    expect(await page.content()).not.toContain(canary);
    await page.context().close();
  });

  it('offers a user without WEBHOOK_ADMIN no link, and refuses the pages', async () => {
    const user = await createUser(b.h.tresor, b.h.admin, 'ui-hook-stranger', ['AUDIT_READ']);
    const page = await b.signIn(user.email);
    expect(await page.locator('nav[aria-label="Main"] a').allTextContents()).not.toContain('Webhooks');
    const response = await page.goto(`${b.base}/admin/webhooks`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('input#url').count()).toBe(0);
    await page.context().close();
  });
});
