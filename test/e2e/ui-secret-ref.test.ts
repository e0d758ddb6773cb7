/**
 * A reference to another secret (`secretRef`) is picked, not typed blind (issue "A web UI
 * people would choose"), in real Chromium: the field offers the secrets of the right type
 * this user may use — not others' unshared ones, not other types — and saving still checks.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { createUser } from '../support/principals.ts';

describe.skipIf(!chromiumPath)('picking a referenced secret (Chromium)', () => {
  let b: BrowserApp;
  let user: { kind: 'user'; id: string; email: string };

  beforeAll(async () => {
    b = await browserApp({ TRESOR_TYPES_DIR: resolve(import.meta.dirname, '../fixtures/config-types') });
    const { h } = b;
    user = await createUser(h.tresor, h.admin, 'ref-picker', ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_DELETE']);
    const jira = (name: string) => ({
      type: 'jira',
      name,
      description: `${name} bot`,
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: `tok-${name}` },
    });
    await h.tresor.secrets.create(user, jira('my-jira'));
    const shared = await h.tresor.secrets.create(h.admin, jira('shared-jira'));
    await h.tresor.shares.share(h.admin, shared.id, { user: user.email });
    await h.tresor.secrets.create(h.admin, jira('private-jira'));
    await h.tresor.secrets.create(user, { type: 'password', name: 'my-password', fields: { password: 'p' } });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  it('offers the usable secrets of the referenced type, and the saved reference is checked', async () => {
    const page = await b.signIn(user.email);
    await page.goto(`${b.base}/secrets/new/jira-integration`);
    const input = page.locator('#f-credential');
    expect(await input.getAttribute('list')).toBe('refs-credential');
    const offered = await page.evaluate(
      `[...document.querySelectorAll('datalist#refs-credential option')].map((o) => [o.value, o.textContent])`,
    );
    expect(offered).toEqual([
      ['my-jira', 'my-jira bot'],
      ['shared-jira', 'shared-jira bot'],
    ]);
    expect(await page.textContent('.field:has(#f-credential) .help')).toContain(
      'Pick one of the 2 Jira API token secrets',
    );

    await page.fill('input[name=name]', 'ops-integration');
    await input.fill('my-jira');
    await page.fill('#f-project', 'OPS');
    await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('main form button[type=submit]')]);
    expect(await page.textContent('dl.fields')).toContain('my-jira');

    // Typed anyway: one that is not offered is refused on save, naming the field.
    await page.goto(`${b.base}/secrets/new/jira-integration`);
    await page.fill('input[name=name]', 'bad-integration');
    await input.fill('private-jira');
    await page.fill('#f-project', 'OPS');
    await page.click('main form button[type=submit]');
    expect(await page.textContent('.field.invalid:has(#f-credential)')).toContain(
      'no secret named "private-jira" that you may use',
    );
  });

  it('names the configurations on the secret page and asks before deleting a named secret', async () => {
    const page = await b.signIn(user.email);
    const mine = await b.h.tresor.secrets.get(user, 'my-jira');
    await page.goto(`${b.base}/secrets/${mine.id}`);
    expect(await page.locator('ul.references li').allTextContents()).toEqual(['ops-integration (credential)']);
    const usage = (await b.h.api('GET', `/api/v1/secrets/${mine.id}/usage`, await b.h.tokenFor(user))).json() as {
      references: { secretName: string }[];
      hiddenReferences: number;
    };
    expect(usage.references.map((r) => r.secretName)).toEqual(['ops-integration']);
    expect(usage.hiddenReferences).toBe(0);

    await page.goto(`${b.base}/secrets/${mine.id}/delete`);
    expect(await page.locator('ul.references li').allTextContents()).toEqual(['ops-integration (credential)']);
    await page.fill('#confirm', 'my-jira');
    const refused = await Promise.all([page.waitForResponse(/\/delete$/), page.click('button.danger')]);
    expect(refused[0].status()).toBe(409);
    expect(await page.textContent('main .error')).toContain('is referenced by ops-integration (credential)');
    expect((await b.h.tresor.secrets.get(user, mine.id)).name).toBe('my-jira');
    await page.fill('#confirm', 'my-jira');
    await page.check('#force');
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('button.danger')]);
    await expect(b.h.tresor.secrets.get(user, mine.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
