/**
 * A certificate's page (issue "A web UI people would choose", defect 3, in part), in real
 * Chromium: a secret field is shown as sealed only when a value is stored (a passphrase never
 * entered reads "not set"), and a PEM chain sits in a monospace block, collapsed until asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { chainOf } from '../support/pki.ts';

describe.skipIf(!chromiumPath)("a certificate's page (Chromium)", () => {
  let b: BrowserApp;
  let privateKey: string;
  let secretId: string;

  beforeAll(async () => {
    b = await browserApp();
    const { leaf, intermediate } = await chainOf('ecdsa');
    privateKey = leaf.keyPem;
    const created = await b.h.tresor.secrets.create(b.h.admin, {
      type: 'certificate',
      name: 'page-certificate',
      fields: { chain: `${leaf.certPem}${intermediate.certPem}`, privateKey },
    });
    secretId = created.id;
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  it('marks as sealed only what is stored, and folds the PEM chain into a monospace block', async () => {
    const page = await b.signIn();
    await page.goto(`${b.base}/secrets/${secretId}`);
    const shownValue = (label: string) => page.locator(`dl.fields dt:text-is("${label}") + dd`).textContent();
    expect(await shownValue('Private key')).toContain('(sealed)');
    expect(await shownValue('Passphrase')).toBe('not set');

    const pem = page.locator('dl.fields details.pem');
    expect(await pem.count()).toBe(1);
    expect(await pem.locator('summary').textContent()).toMatch(/^PEM, \d+ lines$/);
    expect(await pem.locator('pre').isVisible()).toBe(false);
    await pem.locator('summary').click();
    expect(await pem.locator('pre').isVisible()).toBe(true);
    expect(await pem.locator('pre').textContent()).toContain('-----BEGIN CERTIFICATE-----');
    const font = await page.evaluate(
      `getComputedStyle(document.querySelector('dl.fields details.pem pre')).fontFamily`,
    );
    expect(String(font)).toMatch(/mono/i);
    expect(findCanaries(await page.content(), [privateKey.split('\n')[1]!])).toEqual([]);
  });
});
