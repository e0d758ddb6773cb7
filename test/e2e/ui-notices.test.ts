/**
 * Expiry notices on a secret's page, in Chromium: when they go out and to whom; the owner
 * sets who else is told (post/redirect/get, an error names the problem and keeps what was
 * typed, focus on the field); a share recipient sees the list but no form; a notice sent
 * appears in the page's history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { createUser } from '../support/principals.ts';
import { relaySecretFields, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

describe.skipIf(!chromiumPath)('expiry notices on the secret page (Chromium)', () => {
  let b: BrowserApp;
  let smtp: TestSmtpServer;
  let owner: { kind: 'user'; id: string; email: string };
  let reader: { kind: 'user'; id: string; email: string };
  let secretId: string;

  beforeAll(async () => {
    b = await browserApp();
    const { h } = b;
    smtp = await startSmtpServer('none', { username: 'n', password: 'relay-pw' });
    await h.tresor.secrets.create(h.admin, {
      type: 'smtp',
      name: 'ui-relay',
      fields: relaySecretFields(smtp),
    });
    owner = await createUser(h.tresor, h.admin, 'ui-notice-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
    reader = await createUser(h.tresor, h.admin, 'ui-notice-reader');
    const secret = await h.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'ui-noticed',
      fields: { key: 'CANARY-ui-notice' },
      expiresAt: new Date(Date.now() + 12 * 86_400_000),
    });
    secretId = secret.id;
    await h.tresor.shares.share(owner, secret.id, { user: reader.email });
  }, 60_000);
  afterAll(async () => {
    await smtp?.close();
    await b?.close();
  });

  it('lets the owner set who else is told, and shows a notice sent in the history', async () => {
    const page = await b.signIn(owner.email);
    await page.goto(`${b.base}/secrets/${secretId}`);
    expect(await page.textContent('#notices + p')).toMatch(
      /^Mailed 30, 7 and 1 days before it expires, and on the day \(.+\) to its owner\.$/,
    );
    await page.fill('#notice-recipients', 'ops@example.test\nnot an address');
    const [refused] = await Promise.all([
      page.waitForResponse(/\/notices$/),
      page.click('form[action$="/notices"] button'),
    ]);
    expect(refused.status()).toBe(422);
    expect(await page.textContent('#notice-error')).toContain('e-mail');
    expect(await page.inputValue('#notice-recipients')).toBe('ops@example.test\nnot an address');
    // Autofocus applies once the page is parsed: waited for (a busy machine answered before that), not assumed.
    await page.waitForLoadState('load');
    await page.waitForFunction("document.activeElement && document.activeElement.id === 'notice-recipients'");
    expect(await page.evaluate('document.activeElement.id')).toBe('notice-recipients');

    await page.fill('#notice-recipients', 'ops@example.test, Team@example.test');
    await Promise.all([
      page.waitForURL(new RegExp(`/secrets/${secretId}$`)),
      page.click('form[action$="/notices"] button'),
    ]);
    expect(await page.textContent('.flash')).toContain('expiry notices go to these addresses too');
    expect(await page.textContent('#notices + p')).toContain(
      'to its owner and to ops@example.test, team@example.test.',
    );

    expect((await b.h.tresor.notices.run()).sent).toBe(1);
    expect(smtp.received.map((m) => [m.subject, m.to.sort()])).toEqual([
      ['Secret "ui-noticed" expires in 12 days', [owner.email, 'ops@example.test', 'team@example.test'].sort()],
    ]);
    await page.reload();
    expect(await page.textContent('ol.story')).toContain(
      'secret.expiry_notice_sent by Tresor itself: Expiry notice 30 days before it expires',
    );
    await page.context().close();
  });

  it('shows a share recipient when notices go out, but neither who else is told nor a form', async () => {
    const page = await b.signIn(reader.email);
    await page.goto(`${b.base}/secrets/${secretId}`);
    const text = await page.textContent('#notices + p');
    expect(text).toContain('to its owner and to any addresses set by whoever may change it.');
    expect(text).not.toContain('ops@example.test');
    expect(await page.locator('#notice-recipients').count()).toBe(0);
    await page.context().close();
  });
});
