/**
 * Passkeys in Chromium with its virtual authenticator (WebAuthn over the DevTools protocol):
 * add one on the account page, sign in with it alone (no password), use it as the second
 * factor after a password, confirm a sensitive page with it, and remove it. Tresor answers at
 * http://localhost (a secure context and a valid relying-party id).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp, testPassword } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { createUser } from '../support/principals.ts';

describe.skipIf(!chromiumPath)('passkeys in the browser (Chromium, virtual authenticator)', () => {
  let b: BrowserApp;
  let base: string;
  let page: Page;
  let user: { id: string; email: string };

  beforeAll(async () => {
    b = await browserApp();
    base = b.base.replace('127.0.0.1', 'localhost');
    user = await createUser(b.h.tresor, b.h.admin, 'passkey-person', ['USER_ADMIN']);
    const context = await b.browser.newContext();
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  }, 60_000);
  afterAll(async () => b?.close());

  const flash = () => page.locator('[role=status].flash, .flash').first().textContent();
  async function signInWithPassword() {
    await page.goto(`${base}/login`);
    await page.fill('#email', user.email);
    await page.fill('#password', testPassword);
    await page.click('main form[action$="/login"] button[type=submit]');
  }
  async function signOut() {
    await page.click('form[action$="/logout"] button');
    await page.waitForURL(/\/login$/);
  }

  it('adds a passkey, then signs in with it alone, and after a password as the second factor', async () => {
    await signInWithPassword();
    await page.waitForURL(/\/secrets$/);
    await page.goto(`${base}/account/second-factor`);
    await page.fill('#passkey-name', 'Test laptop');
    await Promise.all([page.waitForURL(/\/account\/second-factor$/), page.click('#add-passkey')]);
    expect(await flash()).toContain('Passkey added');
    expect(await page.locator('ul.passkeys li').first().textContent()).toContain('Test laptop');

    await signOut();
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('#passkey')]);
    const logins = await b.h.tresor.audit.query(b.h.admin, { action: 'auth.login' });
    expect(logins.find((e) => e.actorId === user.id)?.details).toEqual({ method: 'passkey' });

    // Now the account has a factor: a password alone waits for it, and the passkey completes it.
    await signOut();
    await signInWithPassword();
    await page.waitForURL(/\/login\/code$/);
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('#passkey')]);
  });

  it('confirms a sensitive page with the passkey (step-up), and removes it', async () => {
    // The sign-in by passkey counts as proving it: Users opens at once.
    await page.goto(`${base}/admin/users`);
    expect(page.url()).toBe(`${base}/admin/users`);
    // Five minutes on, the page asks again: simulated by a session older than its factor.
    await b.h.database.handle.raw.query(`update sessions set factor_at = now() - interval '10 minutes'`);
    await page.goto(`${base}/admin/users`);
    await page.waitForURL(/\/account\/confirm\?next=/);
    await Promise.all([page.waitForURL(/\/admin\/users$/), page.click('#passkey')]);

    await page.goto(`${base}/account/second-factor`);
    await Promise.all([page.waitForURL(/\/account\/second-factor$/), page.click('ul.passkeys form button')]);
    expect(await flash()).toContain('Passkey removed');
    expect(await b.h.tresor.passkeys.has(user.id)).toBe(false);
  });
});
