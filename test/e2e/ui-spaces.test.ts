/**
 * Spaces in the web UI (issue "Spaces"), in real Chromium: a one-space installation shows no
 * new word; an instance administrator creates a space and names its admin; the space admin (at
 * 390 px) gives roles; a member creates a space-wide secret in it; a viewer sees it and nothing
 * to change; taking the viewer's role (asked first) takes the secret out of its store. Every
 * page's HTML is scanned for the secret's value.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../credential-types/api-key.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const canary = 'CANARY-ui-spaces-psp-key';

describe.skipIf(!chromiumPath)('spaces in the web UI (Chromium)', () => {
  let b: BrowserApp;
  let dana: Principal & { email: string }; // the payments space's admin
  let mia: Principal & { email: string }; // a member
  let vic: Principal & { email: string }; // a viewer
  const html: string[] = [];

  beforeAll(async () => {
    b = await browserApp();
    dana = await createUser(b.h.tresor, b.h.admin, 'dana');
    mia = await createUser(b.h.tresor, b.h.admin, 'mia', ['SECRET_MANAGEMENT_CREATE']);
    vic = await createUser(b.h.tresor, b.h.admin, 'vic');
  }, 60_000);
  afterAll(async () => {
    expect(findCanaries(html.join('\n'), [canary])).toEqual([]);
    await b?.close();
  });

  const keep = async (page: Page) => html.push(await page.content());
  const navLinks = (page: Page) => page.locator('nav[aria-label=Main] a').allTextContents();
  const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth');
  /** Clicks a submit button and waits for the page the POST redirected to (or answered). */
  async function submit(page: Page, selector: string) {
    await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.click(selector)]);
    await keep(page);
  }

  it('shows a one-space installation no new word: no Spaces, no space filter, no placement on the form', async () => {
    const page = await b.signIn(mia.email, { width: 1280 });
    expect(await navLinks(page)).not.toContain('Spaces');
    expect(await page.locator('select[name=space]').count()).toBe(0);
    await page.goto(`${b.base}/secrets/new/api-key`);
    await keep(page);
    expect(await page.locator('#space').count()).toBe(0);
    expect(await page.textContent('main')).not.toContain('Space');
    await page.context().close();
  });

  it('lets an instance administrator create a space and name its admin', async () => {
    const page = await b.signIn(undefined, { width: 1280 });
    // One space: not in the navigation even for an administrator, who starts from Groups.
    expect(await navLinks(page)).not.toContain('Spaces');
    await page.goto(`${b.base}/admin/groups`);
    await page.click('main a:has-text("Spaces")');
    await page.fill('#name', 'payments');
    await page.fill('#description', 'The payments team');
    await submit(page, 'main form button:has-text("Create space")');
    expect(page.url()).toBe(`${b.base}/spaces/payments`);
    expect(await page.textContent('main')).toContain('Space payments');
    expect(await page.textContent('.flash')).toContain('Space created');
    expect(await navLinks(page)).toContain('Spaces');
    await page.fill('#holder', dana.email);
    await page.selectOption('#role', 'admin');
    await submit(page, 'main form button:has-text("Give role")');
    expect(await page.locator('table.roles').textContent()).toMatch(new RegExp(`${dana.email}\\s*user\\s*admin`));
    await page.context().close();
  });

  it("lets the space's admin give roles at 390 px, with nothing wider than the phone", async () => {
    const page = await b.signIn(dana.email, { width: 390 });
    await page.goto(`${b.base}/spaces`);
    await keep(page);
    expect(await page.locator('table.spaces').textContent()).toContain('payments');
    await page.click('table.spaces a:has-text("payments")');
    for (const [who, role] of [
      [mia.email, 'member'],
      [vic.email, 'viewer'],
    ] as const) {
      await page.fill('#holder', who);
      await page.selectOption('#role', role);
      await submit(page, 'main form button:has-text("Give role")');
      expect(await page.textContent('.flash')).toContain('Role given');
    }
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    // An unknown holder is named on the page, and nothing changes.
    await page.fill('#holder', 'nobody@example.com');
    await submit(page, 'main form button:has-text("Give role")');
    expect(await page.textContent('main .error')).toContain('No user nobody@example.com');
    expect((await b.h.tresor.spaces.roles(dana, 'payments')).length).toBe(3);
    await page.context().close();
  });

  it('lets a member create a space-wide secret there, named payments/psp in the store', async () => {
    const page = await b.signIn(mia.email, { width: 1280 });
    expect(await navLinks(page)).toContain('Spaces');
    await page.goto(`${b.base}/secrets/new/api-key`);
    await page.fill('#name', 'psp');
    await page.selectOption('#space', 'payments');
    await page.check('input[name=visibility][value=space]');
    // No global for a member: only instance administrators create those.
    expect(await page.locator('input[name=visibility][value=global]').count()).toBe(0);
    await page.fill('input[name="fields[key]"]', canary);
    await submit(page, 'main form button:has-text("Create")');
    const meta = await page.textContent('dl.meta');
    expect(meta).toContain('payments');
    expect(meta).toContain('space-wide');
    expect((await b.h.tresor.use(ApiKey, mia, 'payments/psp')).value.key).toBe(canary);
    await page.goto(`${b.base}/secrets?space=payments`);
    await keep(page);
    expect(await page.locator('table.store tbody tr').count()).toBe(1);
    expect(await page.locator('table.store tbody').textContent()).toContain('payments/psp');
    await page.context().close();
  });

  it('shows a viewer the space-wide secret and nothing to change, at 390 px; taking its role (asked first) hides it', async () => {
    const page = await b.signIn(vic.email, { width: 390 });
    await keep(page);
    expect(await page.locator('table.store tbody').textContent()).toContain('payments/psp');
    await page.click('table.store a:has-text("psp")');
    await keep(page);
    for (const action of ['Edit', 'Share', 'Delete'])
      expect(await page.locator(`nav.actions a:has-text("${action}")`).count(), action).toBe(0);
    await page.goto(`${b.base}/spaces/payments`);
    await keep(page);
    expect(await page.locator('table.roles').textContent()).toContain(mia.email);
    expect(await page.locator('#holder').count()).toBe(0);
    expect(await page.locator('main a:has-text("Its audit log")').count()).toBe(0);
    expect((await page.goto(`${b.base}/spaces/payments/audit`))!.status()).toBe(403);
    await page.goto(`${b.base}/spaces/payments`);
    expect(await page.locator('button:has-text("Take role")').count()).toBe(0);
    // The space's key: its version shown, no rotation offered to a viewer.
    expect(await page.textContent('main')).toContain('sealed under its own key, version 1');
    expect(await page.locator('button:has-text("Rotate key")').count()).toBe(0);
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);

    const admin = await b.signIn(dana.email, { width: 1280 });
    await admin.goto(`${b.base}/spaces/payments`);
    // The space's admin rotates its key: back on the space's page (post/redirect/get), on version 2.
    await submit(admin, 'main form button:has-text("Rotate key")');
    expect(new URL(admin.url()).pathname).toBe('/spaces/payments');
    expect(await admin.textContent('.flash')).toContain('Key rotated');
    expect(await admin.textContent('main')).toContain('sealed under its own key, version 2');
    expect((await b.h.tresor.use(ApiKey, mia, 'payments/psp')).value.key).toBe(canary);
    await submit(admin, `button:has-text("Take role of ${vic.email}")`);
    // Asked first: nothing taken yet.
    expect(await admin.textContent('h1')).toContain(`Take ${vic.email}'s role in payments?`);
    expect((await b.h.tresor.spaces.roles(dana, 'payments')).some((r) => r.name === vic.email)).toBe(true);
    await submit(admin, 'main form button:has-text("Take the role")');
    expect(await admin.textContent('.flash')).toContain('Role taken away');
    // The space's admin reads what happened in it: the member's secret and the role just taken.
    await admin.click('main a:has-text("Its audit log")');
    await keep(admin);
    const log = await admin.locator('table.audit tbody').textContent();
    expect(log).toContain('secret.created');
    expect(log).toContain('psp');
    expect(log).toContain('space.role_removed');
    expect(log).toContain('space.key_rotated');
    await admin.context().close();

    await page.goto(`${b.base}/secrets`);
    await keep(page);
    expect(await page.textContent('main')).not.toContain('psp');
    expect((await page.goto(`${b.base}/spaces/payments`))!.status()).toBe(404);
    await page.context().close();
  });

  it('lets an instance administrator delete the space, asked first; its secrets go with it', async () => {
    const page = await b.signIn(undefined, { width: 1280 });
    await page.goto(`${b.base}/spaces/payments`);
    await submit(page, 'main form button:has-text("Delete space")');
    expect(await page.textContent('h1')).toContain('Delete space payments?');
    expect((await b.h.tresor.spaces.list(b.h.admin)).map((s) => s.name)).toContain('payments');
    await submit(page, 'main form button:has-text("Delete space")');
    expect(page.url()).toBe(`${b.base}/spaces`);
    expect(await page.textContent('.flash')).toContain('Space deleted');
    expect(await page.locator('table.spaces').textContent()).not.toContain('payments');
    await page.context().close();
    // The space's admin was never offered it.
    const admin = await b.signIn(dana.email, { width: 1280 });
    expect((await admin.goto(`${b.base}/spaces/payments`))!.status()).toBe(404);
    await admin.context().close();
  });
});
