/**
 * The UI offers only what the gate allows (issue "A web UI people would choose", defects 1
 * and 5), in real Chromium: a user without the permission to create sees no Create and gets
 * no form; the type picker lists only the types a user may create; a share recipient gets no
 * Edit, Share or Delete and no form by URL (403, never 409); error pages keep the navigation,
 * and a signed-out visitor is offered the sign-in page, not a store. And the form details of
 * defects 8 and 9: no required mark on a secret field an edit may leave empty, every
 * aria-describedby names a text on the page, the first invalid field has the focus after a
 * server-side error, a skip link, and the current page marked in the navigation.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp, testPassword as password } from '../support/browser-app.ts';
import { UiClient } from '../support/browser-session.ts';
import { chromiumPath } from '../support/chromium.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const canary = 'CANARY-ui-gate-api-key';
const smtpCanary = 'CANARY-ui-gate-smtp-password';

describe.skipIf(!chromiumPath)('the UI offers only what the gate allows (Chromium)', () => {
  let b: BrowserApp;
  let h: TestApp;
  let base: string;
  const html: string[] = [];

  beforeAll(async () => {
    b = await browserApp();
    ({ h, base } = b);
  }, 60_000);
  afterAll(async () => {
    expect(findCanaries(html.join('\n'), [canary, smtpCanary])).toEqual([]);
    await b?.close();
  });

  const signIn = (email: string) => b.signIn(email);

  /** Goes to `path`; answers its status, and keeps the page's HTML for the canary scan. */
  async function visit(page: Page, path: string): Promise<number> {
    const response = await page.goto(`${base}${path}`);
    html.push(await page.content());
    return response!.status();
  }

  const navLinks = (page: Page) => page.locator('nav[aria-label=Main] a').allTextContents();

  it('shows a user without the permission to create no Create, an empty store that says how to get access, and no form by URL', async () => {
    const reader = await createUser(h.tresor, h.admin, 'no-create');
    const page = await signIn(reader.email);
    expect(await navLinks(page)).not.toContain('Create');
    const main = await page.textContent('main');
    expect(main).toContain('Your store is empty.');
    expect(main).toContain('ask an administrator for the permission to create secrets');
    expect(await page.locator('main a:has-text("Create a secret")').count()).toBe(0);

    for (const path of ['/secrets/new', '/secrets/new/api-key']) {
      expect(await visit(page, path)).toBe(403);
      expect(await page.locator('main form input[name=name]').count()).toBe(0);
      expect(await page.textContent('main')).toContain('SECRET_MANAGEMENT_CREATE');
      // The error page keeps the navigation and the way back.
      expect(await navLinks(page)).toContain('My store');
      expect(await page.locator('main a:has-text("Back to my store")').count()).toBe(1);
    }
  });

  it('lists in the type picker only the types a user may create (SMTP needs the system group)', async () => {
    const creator = await createUser(h.tresor, h.admin, 'creator', ['SECRET_MANAGEMENT_CREATE']);
    const page = await signIn(creator.email);
    expect(await navLinks(page)).toContain('Create');
    expect(await visit(page, '/secrets/new')).toBe(200);
    const offered = await page
      .locator('main a[href^="/secrets/new/"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(offered).toContain('/secrets/new/api-key');
    expect(offered).not.toContain('/secrets/new/smtp');
    expect(await visit(page, '/secrets/new/smtp')).toBe(403);
    expect(await page.locator('main form input[name=name]').count()).toBe(0);
    expect(await visit(page, '/secrets/new/api-key')).toBe(200);
    expect(await page.locator('main form input[name=name]').count()).toBe(1);
  });

  it('gives a share recipient no Edit, Share or Delete, and no form by URL: 403, not 409', async () => {
    const owner = await createUser(h.tresor, h.admin, 'owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
      'SECRET_MANAGEMENT_DELETE',
    ]);
    const recipient = await createUser(h.tresor, h.admin, 'recipient');
    const secret = await h.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'gate-shared-key',
      fields: { key: canary },
    });
    await h.tresor.shares.share(owner, secret.id, { user: recipient.email });

    const ownerPage = await signIn(owner.email);
    await visit(ownerPage, `/secrets/${secret.id}`);
    const ownerActions = await ownerPage.locator('nav.actions a').allTextContents();
    expect(ownerActions).toEqual(expect.arrayContaining(['Edit', 'Share', 'Delete']));

    const page = await signIn(recipient.email);
    expect(await page.textContent('table.store')).toContain('gate-shared-key');
    expect(await visit(page, `/secrets/${secret.id}`)).toBe(200);
    const actions = await page.locator('nav.actions a').allTextContents();
    expect(actions).not.toContain('Edit');
    expect(actions).not.toContain('Share');
    expect(actions).not.toContain('Delete');
    for (const path of ['edit', 'shares', 'delete']) {
      expect(await visit(page, `/secrets/${secret.id}/${path}`)).toBe(403);
      expect(await page.locator('main form').count()).toBe(0);
      expect(await navLinks(page)).toContain('My store');
    }

    // Submitting the form anyway (a stale tab, a crafted post) is refused as well, and changes nothing.
    const ui = new UiClient(h.app);
    await ui.login(recipient.email, password);
    const posted = await ui.post(
      `/secrets/${secret.id}/edit`,
      { description: 'taken over', 'fields[key]': 'replaced', expectedVersion: '1' },
      { from: '/secrets' },
    );
    expect(posted.statusCode).toBe(403);
    expect(posted.body).not.toContain('name="fields[key]"');
    expect((await h.tresor.secrets.get(owner, secret.id)).version).toBe(1);
  });

  it('offers a signed-out visitor the sign-in page on an error, never a store', async () => {
    const page = await (await b.browser.newContext()).newPage();
    const response = await page.goto(`${base}/no-such-page`);
    expect(response!.status()).toBe(404);
    expect(await page.locator('main a:has-text("Sign in")').count()).toBe(1);
    expect(await page.locator('main a:has-text("Back to my store")').count()).toBe(0);
    expect(await page.locator('nav[aria-label=Main]').count()).toBe(0);
  });

  it('answers the sign-in rate limit with a page that offers no store', async () => {
    const limited = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1' });
    try {
      const ui = new UiClient(limited.app);
      let last = await ui.post('/login', { email: 'nobody@example.test', password: 'wrong' }, { from: '/login' });
      for (let i = 0; i < 3 && last.statusCode !== 429; i++)
        last = await ui.post('/login', { email: 'nobody@example.test', password: 'wrong' }, { from: '/login' });
      expect(last.statusCode).toBe(429);
      expect(last.body).toContain('Sign in');
      expect(last.body).not.toContain('Back to my store');
      expect(last.headers['cache-control']).toBe('no-store');
    } finally {
      await limited.close();
    }
  });

  it('marks only what is required on an edit form, describes inputs with texts that exist, and focuses the first invalid field', async () => {
    const adminEmail = b.adminEmail;
    const relay = await h.tresor.secrets.create(h.admin, {
      type: 'smtp',
      name: 'gate-relay',
      fields: { host: 'smtp.example.test', port: 587, security: 'starttls', username: 'mailer', password: smtpCanary },
    });
    const page = await signIn(adminEmail);
    expect(await page.locator('nav[aria-label=Main] a[aria-current=page]').allTextContents()).toEqual(['My store']);
    expect(await page.locator('a.skip-link[href="#main"]').count()).toBe(1);
    expect(await page.locator('main#main').count()).toBe(1);

    // Run in the page (a string: this project's TypeScript has no DOM types).
    const missingDescriptions = () =>
      page.evaluate(`[...document.querySelectorAll('[aria-describedby]')].flatMap((element) =>
        element.getAttribute('aria-describedby').split(' ').filter((id) => !document.getElementById(id)))`);
    expect(await visit(page, `/secrets/${relay.id}/edit`)).toBe(200);
    expect(await page.locator('label[for=f-password] .req').count()).toBe(0);
    expect(await page.locator('#f-password[required]').count()).toBe(0);
    expect(await page.textContent('main')).toContain('Leave empty to keep the stored value.');
    expect(await page.locator('label[for=f-host] .req').count()).toBe(1);
    expect(await missingDescriptions()).toEqual([]);
    expect(await page.getAttribute('#f-password', 'aria-describedby')).toBe('k-password');

    // A server-side error: the page comes back with the focus on the first invalid field.
    await page.evaluate(`for (const form of document.querySelectorAll('form')) form.noValidate = true`);
    await page.fill('#f-host', 'bad host!');
    // The answer to the POST (a 422 page), not the load state of the page already shown.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('main form button[type=submit]'),
    ]);
    await page.waitForLoadState('load');
    html.push(await page.content());
    expect(await page.textContent('main')).toContain('Host must be a host name or IP address');
    // autofocus applies once the page is parsed: waited for, not sampled.
    await page.waitForFunction("document.activeElement && document.activeElement.id === 'f-host'");
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('f-host');
    expect(await missingDescriptions()).toEqual([]);
    expect(await page.getAttribute('#f-host', 'aria-describedby')).toContain('e-host');
  });
});
