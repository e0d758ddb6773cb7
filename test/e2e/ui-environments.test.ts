/**
 * Environments in the web UI (issue "Spaces"), in real Chromium: the space's admin declares
 * production and staging on the space page (removal asked first); a member sets the secret's value in
 * staging through the type's form, sees the environments side by side (a differing non-secret field
 * marked), copies production's value to staging (asked first) and reads staging's versions; a viewer
 * sees the environments and nothing to change. At 1280 and 390 px, no page wider than the screen,
 * axe-core with no serious violation, and no secret value in any page.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { seriousViolations } from '../support/axe.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const canaries = ['CANARY-env-ui-prod-pw', 'CANARY-env-ui-staging-pw'] as const;

describe.skipIf(!chromiumPath)('environments in the web UI (Chromium)', () => {
  let b: BrowserApp;
  let dana: Principal & { email: string }; // the payments space's admin
  let mia: Principal & { email: string }; // a member
  let vic: Principal & { email: string }; // a viewer
  let secretId: string;
  const html: string[] = [];

  beforeAll(async () => {
    b = await browserApp();
    const { tresor, admin } = b.h;
    dana = await createUser(tresor, admin, 'dana');
    mia = await createUser(tresor, admin, 'mia', ['SECRET_MANAGEMENT_CREATE']);
    vic = await createUser(tresor, admin, 'vic');
    await tresor.spaces.create(admin, { name: 'payments' });
    await tresor.spaces.setRole(admin, 'payments', { user: dana.email }, 'admin');
    await tresor.spaces.setRole(admin, 'payments', { user: mia.email }, 'member');
    await tresor.spaces.setRole(admin, 'payments', { user: vic.email }, 'viewer');
    const created = await tresor.secrets.create(mia, {
      type: 'password',
      name: 'relay',
      space: 'payments',
      visibility: 'space',
      fields: { username: 'app-prod', password: canaries[0] },
    });
    secretId = created.id;
  }, 60_000);
  afterAll(async () => {
    expect(findCanaries(html.join('\n'), canaries)).toEqual([]);
    await b?.close();
  });

  const keep = async (page: Page) => html.push(await page.content());
  const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
  async function submit(page: Page, selector: string) {
    await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.click(selector)]);
    await keep(page);
  }
  async function looksRight(page: Page, width: number, where: string) {
    expect(await pageWidth(page)).toBeLessThanOrEqual(width);
    expect(await seriousViolations(page, where)).toEqual([]);
  }

  it("lets the space's admin declare environments, and asks before removing one", async () => {
    const page = await b.signIn(dana.email, { width: 390, bypassCSP: true });
    await page.goto(`${b.base}/spaces/payments`);
    expect(await page.textContent('main')).toContain('No environments: each secret here has one value');
    for (const name of ['production', 'staging', 'qa']) {
      await page.fill('#environment', name);
      await submit(page, 'form[action$="/environments"] button[type=submit]');
      expect(await page.textContent('.flash')).toContain('Environment added');
    }
    expect(await page.locator('ul.environments li').allTextContents()).toEqual([
      expect.stringMatching(/^production\s+default/),
      expect.stringMatching(/^staging/),
      expect.stringMatching(/^qa/),
    ]);
    await looksRight(page, 390, 'space page with environments, 390 px');
    // The default is not offered for removal while others exist; qa is, asked first.
    expect(await page.locator('form[action$="/environments/remove"]').count()).toBe(2);
    await submit(page, 'form[action$="/environments/remove"]:has(input[value=qa]) button');
    expect(await page.textContent('h1')).toBe('Remove environment qa from payments?');
    await submit(page, 'form.confirm button[type=submit]');
    expect(await page.locator('ul.environments li').count()).toBe(2);
    await page.context().close();
  });

  it('lets a member set a value per environment, compare them side by side and copy one to another', async () => {
    const page = await b.signIn(mia.email, { width: 1280, bypassCSP: true });
    await page.goto(`${b.base}/secrets/${secretId}`);
    await keep(page);
    const rows = () => page.locator('table.environments tbody tr').allInnerTexts();
    expect((await rows())[1]).toMatch(/^staging\s+not set/);
    await page.click('table.environments a[href$="/environments/staging/edit"]');
    await page.waitForLoadState('load');
    await keep(page);
    expect(await page.textContent('h1')).toBe('Edit relay in staging');
    expect(await page.locator('#description').count()).toBe(0);
    // An environment's value is entered, not generated: no Generate button here.
    expect(await page.locator('button.generate').count()).toBe(0);
    await page.fill('[name="fields[username]"]', 'app-staging');
    await page.fill('[name="fields[password]"]', canaries[1]);
    await submit(page, 'form.card button[type=submit]:not(.secondary)');
    expect(page.url()).toBe(`${b.base}/secrets/${secretId}`);
    expect(await page.textContent('.flash')).toContain("a new version of the environment's value");
    const [production, staging] = await rows();
    expect(production).toMatch(/^production\s+default\s+v1/);
    expect(staging).toMatch(/^staging\s+v1/);
    expect(staging).toMatch(/app-staging\s+differs/);
    expect(staging).toContain('set');
    await looksRight(page, 1280, 'secret page with environments, 1280 px');
    expect((await b.h.tresor.use(Password, mia, 'payments/relay', { environment: 'staging' })).value.password).toBe(
      canaries[1],
    );

    // Copy production's value to staging: asked first, then a new version there, unseen.
    await submit(page, 'form[action$="/environments/staging/copy"] button');
    expect(await page.textContent('h1')).toBe('Copy relay from production to staging?');
    await submit(page, 'form.confirm button[type=submit]');
    expect(await page.textContent('.flash')).toContain('Copied');
    expect((await rows())[1]).toMatch(/^staging\s+v2/);
    expect((await b.h.tresor.use(Password, mia, 'payments/relay', { environment: 'staging' })).value.username).toBe(
      'app-prod',
    );
    await page.click('table.environments a[href*="versions?environment=staging"]');
    await page.waitForLoadState('load');
    await keep(page);
    expect(await page.textContent('h1')).toBe('Versions of relay in staging');
    expect(await page.locator('table.versions tbody tr').allInnerTexts()).toEqual([
      expect.stringMatching(/^v2\s+current.*copied from production/s),
      expect.stringMatching(/^v1\b/),
    ]);
    expect(await page.locator('form[action$="/rollback"]').count()).toBe(0);
    await page.context().close();
  });

  it('lets a member choose their own default space on the account page (several spaces: the choice is offered)', async () => {
    const page = await b.signIn(mia.email, { width: 390, bypassCSP: true });
    await page.goto(`${b.base}/account`);
    expect(await page.inputValue('#home-space')).toBe('default');
    await page.selectOption('#home-space', 'payments');
    await submit(page, 'form[action$="/account/default-space"] button');
    expect(await page.textContent('.flash')).toContain('Default space saved');
    expect(await page.inputValue('#home-space')).toBe('payments');
    await looksRight(page, 390, 'account page with a default space, 390 px');
    expect(await b.h.tresor.spaces.defaultSpace(mia)).toBe('payments');
    await page.context().close();
  });

  it('shows a viewer the environments at 390 px and nothing to change', async () => {
    const page = await b.signIn(vic.email, { width: 390, bypassCSP: true });
    const answer = await page.goto(`${b.base}/secrets/${secretId}`);
    expect(answer?.status()).toBe(200);
    await keep(page);
    await looksRight(page, 390, 'secret page with environments for a viewer, 390 px');
    expect(await page.locator('table.environments tbody tr').count()).toBe(2);
    expect(await page.locator('a[href*="/environments/"]').count()).toBe(0);
    expect(await page.locator('form[action*="/environments/"]').count()).toBe(0);
    const edit = await page.goto(`${b.base}/secrets/${secretId}/environments/staging/edit`);
    expect([403, 404]).toContain(edit?.status());
    await keep(page);
    await page.context().close();
  });
});
