/**
 * Accessibility measured (issue "A web UI people would choose"): axe-core runs in Chromium on
 * every page of a user's and an administrator's journey, at 1280 px and at 390 px, in light
 * and dark mode; no page may have a serious or critical violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { seriousViolations } from '../support/axe.ts';
import { type BrowserApp, browserApp, testPassword } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { chainOf } from '../support/pki.ts';

describe.skipIf(!chromiumPath)('accessibility of every page (axe-core in Chromium)', () => {
  let b: BrowserApp;
  let journey: string[];

  beforeAll(async () => {
    b = await browserApp();
    const { h } = b;
    const smtp = await h.tresor.secrets.create(h.admin, {
      type: 'smtp',
      name: 'axe-relay',
      description: 'the relay',
      fields: { host: 'smtp.example.test', username: 'mailer', password: 'axe-password-1' },
    });
    await h.tresor.secrets.update(h.admin, smtp.id, { fields: { username: 'mailer2' }, merge: true });
    const { leaf } = await chainOf('ecdsa');
    const certificate = await h.tresor.secrets.create(h.admin, {
      type: 'certificate',
      name: 'axe-certificate',
      fields: { chain: leaf.certPem, privateKey: leaf.keyPem },
    });
    const generic = await h.tresor.secrets.create(h.admin, {
      type: 'generic',
      name: 'axe-generic',
      fields: { entries: [{ name: 'TOKEN', value: 'axe-value' }] },
    });
    const group = await h.tresor.groups.create(h.admin, { name: 'axe-group' });
    // An endpoint that is never sent to (no delivery run here), for the webhook pages.
    const hook = await h.tresor.webhooks.create(h.admin, {
      url: 'https://127.0.0.1:9/axe',
      events: ['secret.created'],
    });
    // The export page too (SECRET_EXPORT is only Tresor itself's to grant).
    await h.tresor.groups.grant(systemPrincipal, { userId: (h.admin as { id: string }).id }, 'SECRET_EXPORT');
    // A second space the administrator works in: the spaces pages, the store's space filter and the form's placement.
    await h.tresor.spaces.create(h.admin, { name: 'axe-space', description: 'for the checks' });
    await h.tresor.spaces.setRole(h.admin, 'axe-space', { user: b.adminEmail }, 'admin');
    journey = [
      '/secrets',
      '/secrets?q=axe',
      '/secrets/new',
      '/secrets/new/smtp',
      '/secrets/new/generic',
      '/secrets/new/api-key',
      '/spaces',
      '/spaces/axe-space',
      '/spaces/axe-space/audit',
      `/secrets/${smtp.id}`,
      `/secrets/${smtp.id}/edit`,
      `/secrets/${smtp.id}/versions`,
      `/secrets/${smtp.id}/versions/compare?from=1&to=2`,
      `/secrets/${smtp.id}/shares`,
      `/secrets/${smtp.id}/delete`,
      `/secrets/${certificate.id}`,
      `/secrets/${generic.id}/edit`,
      '/tokens',
      '/account',
      '/admin/users',
      '/admin/groups',
      `/admin/groups/${group.name}`,
      '/admin/audit',
      '/admin/transfer',
      '/admin/webhooks',
      `/admin/webhooks/${hook.endpoint.id}`,
      '/no-such-page',
    ];
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  for (const [width, scheme] of [
    [1280, 'light'],
    [390, 'light'],
    [1280, 'dark'],
    [390, 'dark'],
  ] as const)
    it(`finds no serious or critical violation at ${width} px (${scheme})`, async () => {
      // axe is injected as an inline script, which Tresor's CSP (script-src 'self') would refuse.
      const context = await b.browser.newContext({
        viewport: { width, height: 900 },
        colorScheme: scheme,
        bypassCSP: true,
      });
      const page = await context.newPage();
      const found: string[] = [];
      await page.goto(`${b.base}/login`);
      found.push(...(await seriousViolations(page, '/login')));
      await page.fill('#email', b.adminEmail);
      await page.fill('#password', testPassword);
      await Promise.all([page.waitForURL(/\/secrets$/), page.click('main button[type=submit]')]);
      for (const path of journey) {
        await page.goto(`${b.base}${path}`);
        found.push(...(await seriousViolations(page, path)));
      }
      await context.close();
      expect(found).toEqual([]);
      // Every page of the journey, each scanned by axe: ~25 s on a busy 2-core machine.
    }, 120_000);
});
