/**
 * The web UI in real Chromium (Debian's, driven by playwright-core): the journeys of the
 * issue, with a screenshot of every page under test-output/screenshots, and every page's
 * HTML scanned for the canary values stored in secret fields.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../credential-types/smtp.ts';
import { chromiumArgs, chromiumPath } from '../support/chromium.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createGroup, createUser } from '../support/principals.ts';
import { startSmtpServer } from '../support/smtp-server.ts';

const shots = resolve(import.meta.dirname, '../../test-output/screenshots');
const password = 'correct horse battery staple';
const smtpPassword = 'CANARY-browser-smtp-password';
const groupSecretValue = 'CANARY-browser-group-secret';

describe.skipIf(!chromiumPath)('web UI in Chromium', () => {
  let h: TestApp;
  let base: string;
  let browser: Browser;
  const html: string[] = [];
  let step = 0;
  let adminEmail: string;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    h = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: chromiumPath!, args: chromiumArgs });
    adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
  }, 60_000);

  afterAll(async () => {
    expect(findCanaries(html.join('\n'), [smtpPassword, groupSecretValue])).toEqual([]);
    await browser?.close();
    await h?.close();
  });

  /** Screenshot and keep the HTML of the page as it is now. */
  async function snap(page: Page, name: string): Promise<void> {
    html.push(await page.content());
    await page.screenshot({ path: `${shots}/${String(++step).padStart(2, '0')}-${name}.png`, fullPage: true });
  }

  async function signIn(context: BrowserContext, email: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${base}/secrets`);
    await expect(page.url()).toContain('/login');
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('main button[type=submit]')]);
    return page;
  }

  it('walks through create, store, edit, share, group share, rollback and delete', async () => {
    const friend = await createUser(h.tresor, h.admin, 'browser-friend');
    const team = await createGroup(h.tresor, h.admin, 'browser-team');
    const teammate = await createUser(h.tresor, h.admin, 'browser-teammate', [], [team.name]);

    const adminContext = await browser.newContext();
    const login = await adminContext.newPage();
    await login.goto(`${base}/login`);
    await snap(login, 'login');
    const page = await signIn(adminContext, adminEmail);
    await snap(page, 'store-empty');
    expect(await page.textContent('main')).toContain('Your store is empty.');

    // Create an SMTP secret through the generated form.
    await page.getByRole('link', { name: 'Create a secret' }).click();
    await snap(page, 'type-picker');
    await page.click('a[href="/secrets/new/smtp"]');
    expect(await page.inputValue('#f-port')).toBe('587');
    await snap(page, 'smtp-form');
    await page.fill('#name', 'mail-relay');
    await page.fill('#description', 'Outgoing mail');
    await page.fill('#f-host', 'smtp.example.test');
    await page.fill('#f-username', 'mailer');
    await page.fill('#f-password', smtpPassword);
    await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('main button[type=submit]')]);
    await snap(page, 'smtp-created');
    expect(await page.textContent('main')).toContain('•••••• (sealed)');

    // It is in the store.
    await page.goto(`${base}/secrets`);
    expect(await page.textContent('table.store')).toContain('mail-relay');
    await snap(page, 'store');

    // Edit, leaving the password empty: the stored password stays.
    await page.getByRole('link', { name: 'mail-relay', exact: true }).click();
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    expect(await page.inputValue('#f-password')).toBe('');
    await snap(page, 'smtp-edit');
    // A new destination with the password left empty is refused, naming the password field.
    await page.fill('#f-host', 'relay.example.test');
    await page.click('main button[type=submit]');
    expect(await page.textContent('main')).toContain('Password must be entered again');
    await page.fill('#f-host', 'smtp.example.test');
    await page.fill('#f-username', 'relay-user');
    await Promise.all([
      page.waitForSelector('[role=status]:has-text("Saved: a new version was written.")'),
      page.click('main button[type=submit]'),
    ]);
    const { value } = await h.tresor.use(Smtp, h.admin, 'mail-relay');
    expect(value.password).toBe(smtpPassword);
    expect(value.username).toBe('relay-user');

    // Share with a user, who signs in and sees it.
    await page.getByRole('link', { name: 'Share', exact: true }).click();
    await page.fill('#user', friend.email);
    await Promise.all([
      page.waitForSelector('[role=status]:has-text("Shared.")'),
      page.click('button:has-text("Share with user")'),
    ]);
    await snap(page, 'shares');
    const friendPage = await signIn(await browser.newContext(), friend.email);
    expect(await friendPage.textContent('table.store')).toContain('mail-relay');
    await snap(friendPage, 'friend-store');

    // Share another secret with a group: its member signs in and does not see it.
    await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'team-only',
      fields: { password: groupSecretValue },
    });
    await page.goto(`${base}/secrets/team-only/shares`);
    await page.selectOption('#group', team.name);
    await Promise.all([
      page.waitForSelector('[role=status]:has-text("Shared.")'),
      page.click('button:has-text("Share with group")'),
    ]);
    const teammatePage = await signIn(await browser.newContext(), teammate.email);
    expect(await teammatePage.textContent('main')).not.toContain('team-only');
    await snap(teammatePage, 'teammate-store');
    expect((await h.tresor.usage.useAny(teammate, 'team-only')).payload.password).toBe(groupSecretValue);

    // Roll back to version 1 (username mailer).
    await page.goto(`${base}/secrets/mail-relay/versions`);
    await snap(page, 'versions');
    await page.fill('#reason-1', 'wrong relay');
    await Promise.all([
      page.waitForSelector('h1:has-text("Roll back mail-relay?")'),
      page.click('button:has-text("Roll back to v1")'),
    ]);
    await snap(page, 'rollback-confirm');
    await Promise.all([
      page.waitForSelector('[role=status]:has-text("Rolled back")'),
      page.click('main button:has-text("Roll back to version 1")'),
    ]);
    expect((await h.tresor.use(Smtp, h.admin, 'mail-relay')).value.username).toBe('mailer');

    // Delete, with a confirmation that names the secret.
    await page.goto(`${base}/secrets/mail-relay`);
    await page.getByRole('link', { name: 'Delete', exact: true }).click();
    expect(await page.textContent('main')).toContain('Delete mail-relay?');
    await snap(page, 'delete-confirm');
    await page.fill('#confirm', 'mail-relay');
    await Promise.all([page.waitForSelector('[role=status]:has-text("Secret deleted.")'), page.click('button.danger')]);
    await snap(page, 'deleted');
    await expect(h.tresor.secrets.get(h.admin, 'mail-relay')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Admin pages render.
    for (const path of ['/admin/users', '/admin/groups', `/admin/groups/${team.name}`, '/tokens']) {
      await page.goto(`${base}${path}`);
      await snap(page, path.replaceAll('/', '-').slice(1));
    }
  }, 120_000);

  it('shows a validation error beside the field without echoing the secret, with no inline script', async () => {
    const page = await signIn(await browser.newContext(), adminEmail);
    await page.goto(`${base}/secrets/new/smtp`);
    await page.fill('#name', 'invalid-port');
    await page.fill('#f-host', 'smtp.example.test');
    await page.fill('#f-port', '70000');
    await page.fill('#f-username', 'mailer');
    await page.fill('#f-password', smtpPassword);
    // Chromium would stop at max=65535; drop the attribute to reach the server, as a script could.
    await page
      .locator('#f-port')
      .evaluate((input: { removeAttribute(name: string): void }) => input.removeAttribute('max'));
    await page.click('main button[type=submit]');
    await page.waitForSelector('#e-port');
    expect(await page.textContent('#e-port')).toBe('Port must be at most 65535');
    expect(await page.inputValue('#f-username')).toBe('mailer');
    expect(await page.inputValue('#f-password')).toBe('');
    // The only script is the form's external one (CSP script-src 'self'), nothing inline.
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('script[src]').evaluateAll((s) => s.map((e) => e.getAttribute('src')))).toEqual([
      '/assets/show-when.js',
    ]);
    await snap(page, 'validation-error');
  });

  it('hides the fields a value does not show, and the server stores what the form showed', async () => {
    const page = await signIn(await browser.newContext(), adminEmail);
    await page.goto(`${base}/secrets/new/smtp`);
    expect(await page.isVisible('#f-username')).toBe(true);
    await page.uncheck('#f-authentication');
    expect(await page.isVisible('#f-username')).toBe(false);
    expect(await page.isVisible('#f-password')).toBe(false);
    await snap(page, 'show-when-hidden');
    await page.fill('#name', 'open-relay');
    await page.fill('#f-host', 'relay.example.test');
    await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('main button[type=submit]')]);
    const stored = await h.tresor.secrets.describe(h.admin, 'open-relay');
    expect(stored.fields).toEqual({
      host: 'relay.example.test',
      port: 587,
      security: 'starttls',
      authentication: false,
    });
    await page.goto(`${base}/secrets/new/smtp`);
    await page.uncheck('#f-authentication');
    await page.check('#f-authentication');
    expect(await page.isVisible('#f-username')).toBe(true);
  });

  it('tests a stored SMTP secret from its page against a real server, and offers the test only to those who may use it', async () => {
    const server = await startSmtpServer('none', { username: 'mailer', password: smtpPassword });
    try {
      await h.tresor.secrets.create(h.admin, {
        type: 'smtp',
        name: 'tested-relay',
        fields: { host: '127.0.0.1', port: server.port, security: 'none', username: 'mailer', password: smtpPassword },
      });
      const page = await signIn(await browser.newContext(), adminEmail);
      await page.goto(`${base}/secrets/tested-relay`);
      await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('text=Test connection')]);
      const report = page.locator('.test-report');
      expect(await report.locator('h2').textContent()).toBe('Connection test: 3 checks passed, 1 skipped');
      expect(await report.locator('li.check').allTextContents()).toEqual([
        'passed Destination allowed — 127.0.0.1 resolves to 127.0.0.1',
        `passed Connect — 127.0.0.1:${server.port} answered`,
        'skipped Encryption — Security is set to none: everything crosses the network in plain text',
        'passed Sign in — Signed in as mailer',
      ]);
      await snap(page, 'connection-test');
      // Shown once: a reload shows the page without the report.
      await page.reload();
      expect(await page.locator('.test-report').count()).toBe(0);
      expect(server.received).toEqual([]);

      // A manager reads and changes every secret but never uses values: no Test button.
      const manager = await createUser(h.tresor, h.admin, 'browser-manager', ['SECRET_MANAGEMENT']);
      const managerPage = await signIn(await browser.newContext(), manager.email);
      await managerPage.goto(`${base}/secrets/tested-relay`);
      expect(await managerPage.locator('text=Test connection').count()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
