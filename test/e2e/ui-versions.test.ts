/**
 * Comparing two versions of a secret (issue "A web UI people would choose": version diff), in
 * real Chromium: from the versions page, pick two versions; the page shows which non-secret
 * fields changed (old → new), which secret fields changed (never their values), and each
 * version's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';

const canaries = ['CANARY-versions-key-1', 'CANARY-versions-key-2'];

describe.skipIf(!chromiumPath)('comparing versions (Chromium)', () => {
  let b: BrowserApp;
  let id: string;

  beforeAll(async () => {
    b = await browserApp();
    const created = await b.h.tresor.secrets.create(b.h.admin, {
      type: 'api-key',
      name: 'compared-key',
      fields: { key: canaries[0], expiresOn: '2031-01-31' },
    });
    id = created.id;
    await b.h.tresor.secrets.update(b.h.admin, id, {
      fields: { key: canaries[1], expiresOn: '2032-01-31' },
      reason: 'rotated after the leak drill',
    });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  it('shows old → new for plain fields and only "changed" for the secret one', async () => {
    const page = await b.signIn();
    await page.goto(`${b.base}/secrets/${id}/versions`);
    expect(await page.inputValue('#compare-from')).toBe('1');
    expect(await page.inputValue('#compare-to')).toBe('2');
    await Promise.all([
      page.waitForURL(/versions\/compare\?from=1&to=2/),
      page.click('form[aria-label="Compare two versions"] button'),
    ]);
    const row = (label: string) => page.locator('table.diff tbody tr', { has: page.locator(`th:text-is("${label}")`) });
    const expiry = row('Expires on');
    expect(await expiry.locator('del').textContent()).toBe('2031-01-31');
    expect(await expiry.locator('ins').textContent()).toBe('2032-01-31');
    expect(await expiry.getAttribute('class')).toBe('changed');
    expect(await row('Key').locator('td').textContent()).toBe('sealed: changed');
    expect(await page.textContent('dl.meta')).toContain('rotated after the leak drill');
    expect(findCanaries(await page.content(), canaries)).toEqual([]);

    // The same version twice: nothing changed.
    await page.goto(`${b.base}/secrets/${id}/versions/compare?from=2&to=2`);
    expect(await page.textContent('main p')).toContain('No field changed.');
    // A version that does not exist is named on the versions page, not a 500.
    const missing = await page.goto(`${b.base}/secrets/${id}/versions/compare?from=1&to=7`);
    expect(missing!.status()).toBe(422);
    expect(await page.textContent('main .error')).toContain('no version 7');
  });
});
