/**
 * The UI on a phone (issue "A web UI people would choose", defect 4), in real Chromium at
 * 390 px: the navigation collapses behind a Menu toggle that works without script, and the
 * store, users and audit tables reflow instead of running off the screen; at 1280 px the
 * navigation shows as before. Screenshots land in test-output/screenshots.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';

const shots = resolve(import.meta.dirname, '../../test-output/screenshots');

describe.skipIf(!chromiumPath)('the UI at 390 px and at 1280 px (Chromium)', () => {
  let b: BrowserApp;
  let base: string;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    b = await browserApp();
    base = b.base;
    for (let i = 0; i < 3; i++)
      await b.h.tresor.secrets.create(b.h.admin, {
        type: 'api-key',
        name: `mobile-key-with-a-rather-long-name-${i}`,
        description: 'A description long enough to push a fixed table well past the width of a phone screen',
        fields: { key: `mobile-value-${i}` },
      });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  const signIn = (width: number) => b.signIn(undefined, { width });
  const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth');

  it('collapses the navigation behind Menu and reflows the store, users and audit tables at 390 px', async () => {
    const page = await signIn(390);
    const nav = page.locator('nav[aria-label=Main]');
    expect(await nav.isVisible()).toBe(false);
    await page.click('label.menu-button');
    expect(await nav.isVisible()).toBe(true);
    expect(await nav.locator('a:has-text("Audit log")').isVisible()).toBe(true);
    await page.click('label.menu-button');
    expect(await nav.isVisible()).toBe(false);

    for (const [path, name] of [
      ['/secrets', 'mobile-store'],
      ['/admin/users', 'mobile-users'],
      ['/admin/audit', 'mobile-audit'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
      expect(await pageWidth(page), path).toBeLessThanOrEqual(390);
      // Each value stays readable under its column's name.
      expect(await page.locator('table.reflow td[data-label]').first().isVisible(), path).toBe(true);
    }
    await page.goto(`${base}/secrets`);
    // In the page (a string: this project's TypeScript has no DOM types).
    const label = await page.evaluate(
      `getComputedStyle(document.querySelector('table.reflow td[data-label="Description"]'), '::before').content`,
    );
    expect(label).toBe('"Description"');
  });

  it('shows the navigation and the tables as before at 1280 px', async () => {
    const page = await signIn(1280);
    expect(await page.locator('nav[aria-label=Main]').isVisible()).toBe(true);
    expect(await page.locator('label.menu-button').isVisible()).toBe(false);
    expect(await page.locator('table.reflow thead').isVisible()).toBe(true);
    await page.screenshot({ path: `${shots}/desktop-store.png`, fullPage: true });
  });
});
