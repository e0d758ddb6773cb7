/**
 * The store sorts and pages, and the type picker searches (issue "A web UI people would
 * choose"), in real Chromium: column headers sort by name, latest change, latest use and
 * soonest expiry (marked with aria-sort), pages go forward and back in each order, filters
 * keep the order, and the type picker narrows its cards as you type — or, without script,
 * when the search is sent.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';

describe.skipIf(!chromiumPath)('the store and the type picker (Chromium)', () => {
  let b: BrowserApp;

  beforeAll(async () => {
    b = await browserApp();
    const { h } = b;
    const ids: string[] = [];
    for (let i = 0; i < 55; i++) {
      const name = `item-${String(i).padStart(2, '0')}`;
      ids.push(
        (
          await h.tresor.secrets.create(h.admin, {
            type: 'password',
            name,
            fields: { password: `p-${i}` },
            ...(i % 10 === 3 ? { expiresAt: new Date(Date.now() + (60 - i) * 86_400_000) } : {}),
          })
        ).id,
      );
    }
    // The oldest name changed last; item-07 used last.
    await h.tresor.secrets.update(h.admin, ids[0]!, { description: 'changed last' });
    await h.tresor.use(Password, h.admin, ids[5]!);
    await new Promise((r) => setTimeout(r, 20));
    await h.tresor.use(Password, h.admin, ids[7]!);
    await h.tresor.lastUsed.flush();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
  });

  const names = (page: Page) => page.locator('table.store tbody td[data-label=Name] a').allTextContents();

  it('sorts by each column and pages in that order', async () => {
    const page = await b.signIn();
    const first = await names(page);
    expect(first).toHaveLength(50);
    expect(first[0]).toBe('item-00');
    expect(await page.getAttribute('th[aria-sort]', 'aria-sort')).toBe('ascending');
    await Promise.all([page.waitForURL(/after=item-49/), page.click('a[rel=next]')]);
    expect(await names(page)).toEqual(['item-50', 'item-51', 'item-52', 'item-53', 'item-54']);

    await page.goto(`${b.base}/secrets`);
    await Promise.all([page.waitForURL(/sort=updated/), page.click('th a:text("Updated")')]);
    expect((await names(page))[0]).toBe('item-00');
    expect(await page.getAttribute('th[aria-sort]', 'aria-sort')).toBe('descending');

    await Promise.all([page.waitForURL(/sort=used/), page.click('th a:text("Last used")')]);
    expect((await names(page)).slice(0, 2)).toEqual(['item-07', 'item-05']);

    await Promise.all([page.waitForURL(/sort=expires/), page.click('th a:text("Expiry")')]);
    const byExpiry = await names(page);
    expect(byExpiry.slice(0, 6)).toEqual(['item-53', 'item-43', 'item-33', 'item-23', 'item-13', 'item-03']);
    await Promise.all([page.waitForURL(/page=2/), page.click('a[rel=next]')]);
    const second = await names(page);
    expect(second).toHaveLength(5);
    expect(second.filter((n) => byExpiry.includes(n))).toEqual([]);
    await Promise.all([page.waitForURL(/page=1|sort=expires(?!.*page)/), page.click('a[rel=prev]')]);
    expect(await names(page)).toEqual(byExpiry);

    // A filter keeps the order.
    await page.fill('input[name=q]', 'item-1');
    await Promise.all([page.waitForURL(/q=item-1/), page.click('form.filters button[type=submit]')]);
    expect(page.url()).toContain('sort=expires');
    expect((await names(page))[0]).toBe('item-13');
  });

  it('narrows the type picker as you type, and on the server without script', async () => {
    const page = await b.signIn();
    await page.goto(`${b.base}/secrets/new`);
    const visible = () => page.locator('#type-cards li:visible strong').allTextContents();
    const all = await visible();
    expect(all.length).toBeGreaterThan(4);
    await page.fill('#type-search', 'ssh');
    expect(await visible()).toEqual(['SSH key']);
    await page.fill('#type-search', 'no such kind');
    expect(await visible()).toEqual([]);
    expect(await page.isVisible('#type-none')).toBe(true);

    const plain = await b.signIn(undefined, { javaScriptEnabled: false });
    await plain.goto(`${b.base}/secrets/new`);
    await plain.fill('#type-search', 'API');
    await Promise.all([plain.waitForURL(/q=API/), plain.click('form.filters button[type=submit]')]);
    const found = await plain.locator('#type-cards li strong').allTextContents();
    expect(found).toContain('API key');
    expect(found.length).toBeLessThan(all.length);
    expect(await plain.textContent('form.filters a')).toBe(`Show all ${all.length}`);
  });
});
