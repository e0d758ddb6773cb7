/**
 * Name/value lists in the form (issue "A web UI people would choose", defect 6), in real
 * Chromium: rows are added and removed (pairs.js, an external script), an error marks only
 * the row it is about and says which value is missing by its name — never "#1 value" — with
 * the focus there, and without JavaScript the form still works with its empty rows.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Generic } from '../../credential-types/generic.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import type { TestApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';

const canaries = ['CANARY-pairs-api-value', 'CANARY-pairs-db-value', 'CANARY-pairs-extra-value'];

describe.skipIf(!chromiumPath)('name/value lists in the form (Chromium)', () => {
  let b: BrowserApp;
  let h: TestApp;
  let base: string;
  const html: string[] = [];

  beforeAll(async () => {
    b = await browserApp();
    ({ h, base } = b);
  }, 60_000);
  afterAll(async () => {
    expect(findCanaries(html.join('\n'), canaries)).toEqual([]);
    await b?.close();
  });

  const signIn = (javaScriptEnabled: boolean) => b.signIn(undefined, { javaScriptEnabled });
  const visibleRows = (page: Page) => page.locator('fieldset[data-pairs] .pair:visible').count();
  const row = (page: Page, n: number) => page.locator('fieldset[data-pairs] .pair').nth(n);

  it('adds and removes rows, marks only the row in error by its name, and saves what is shown', async () => {
    const page = await signIn(true);
    await page.goto(`${base}/secrets/new/generic`);
    expect(await visibleRows(page)).toBe(3);
    await page.click('button:has-text("Add a row")');
    expect(await visibleRows(page)).toBe(4);
    await row(page, 1).locator('button:has-text("Remove")').click();
    expect(await visibleRows(page)).toBe(3);

    await page.fill('#name', 'pairs-secret');
    await row(page, 0).locator('input[name$="[name]"]').fill('db');
    await row(page, 2).locator('input[name$="[name]"]').fill('api');
    await row(page, 2).locator('input[name$="[value]"]').fill(canaries[0]!);
    await row(page, 3).locator('input[name$="[name]"]').fill('extra');
    await row(page, 3).locator('input[name$="[value]"]').fill(canaries[2]!);
    // The answer to the post, then its page loaded (the page before was loaded already).
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('main form button[type=submit]'),
    ]);
    await page.waitForLoadState('load');
    html.push(await page.content());

    // db has no value: only its row is marked, the message names it, the focus is on its value.
    expect(await page.locator('.pair.invalid').count()).toBe(1);
    expect(await page.locator('fieldset.pairs.invalid').count()).toBe(0);
    const message = await page.textContent('.pair.invalid .error');
    expect(message).toBe('Value of "db" must not be empty');
    expect(await page.textContent('main')).not.toMatch(/#\d/);
    // The focus is moved by the page's deferred script: polled, not read at one instant.
    await expect
      .poll(() => page.evaluate('document.activeElement && document.activeElement.name'), { timeout: 15_000 })
      .toBe('fields[entries][0][value]');

    // Values are never sent back: enter them again and save.
    await row(page, 0).locator('input[name$="[value]"]').fill(canaries[1]!);
    await row(page, 1).locator('input[name$="[value]"]').fill(canaries[0]!);
    await row(page, 2).locator('input[name$="[value]"]').fill(canaries[2]!);
    await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('main form button[type=submit]')]);
    html.push(await page.content());
    const { value } = await h.tresor.use(Generic, h.admin, 'pairs-secret');
    expect(value.entries).toEqual([
      { name: 'db', value: canaries[1] },
      { name: 'api', value: canaries[0] },
      { name: 'extra', value: canaries[2] },
    ]);
  });

  it('works without JavaScript: three empty rows, no buttons that would need it', async () => {
    const page = await signIn(false);
    await page.goto(`${base}/secrets/new/generic`);
    expect(await page.locator('fieldset[data-pairs] .pair').count()).toBe(3);
    expect(await page.locator('button:has-text("Add a row")').count()).toBe(0);
    await page.fill('#name', 'pairs-no-script');
    await row(page, 0).locator('input[name$="[name]"]').fill('only');
    await row(page, 0).locator('input[name$="[value]"]').fill(canaries[1]!);
    await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('main form button[type=submit]')]);
    const { value } = await h.tresor.use(Generic, h.admin, 'pairs-no-script');
    expect(value.entries).toEqual([{ name: 'only', value: canaries[1] }]);
  });
});
