/**
 * A certificate's page (issue "A web UI people would choose", defect 3), in real Chromium: a
 * secret field is shown as sealed only when a value is stored (a passphrase never entered reads
 * "not set"); a PEM chain sits in a monospace block, collapsed until asked for, with a copy
 * button; facts carry the type's labels and dates in the reader's language; the secret expires
 * with its leaf certificate unless the user sets an earlier date; dark mode follows the system.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp, testPassword } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { chainOf } from '../support/pki.ts';

describe.skipIf(!chromiumPath)("a certificate's page (Chromium)", () => {
  let b: BrowserApp;
  let privateKey: string;
  let secretId: string;
  let leafNotAfter: Date;
  let fingerprint: string;

  beforeAll(async () => {
    b = await browserApp();
    const { leaf, intermediate } = await chainOf('ecdsa');
    privateKey = leaf.keyPem;
    const parsed = new X509Certificate(leaf.certPem);
    leafNotAfter = new Date(parsed.validTo);
    fingerprint = `SHA256:${parsed.fingerprint256}`;
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

  const dayIn = (locale: string, at: Date) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(at);

  it('labels the facts as the type says, dates in the reader’s language, and copies a fingerprint', async () => {
    const page = await b.signIn();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(`${b.base}/secrets/${secretId}`);
    const terms = await page.locator('dl.facts dt').allTextContents();
    expect(terms).toEqual(['Subject', 'Issuer', 'Valid until', 'Fingerprint', 'Certificates in the chain']);
    expect(await page.textContent('main')).not.toMatch(/notAfter|chainLength/);
    const validUntil = page.locator('dl.facts dt:text-is("Valid until") + dd time');
    expect(await validUntil.getAttribute('datetime')).toBe(leafNotAfter.toISOString());
    expect(await validUntil.textContent()).toContain(dayIn('en', leafNotAfter));

    // The secret expires with its leaf, not "never".
    expect(await page.textContent('dl.meta dt:text-is("Expires") + dd')).toBe(dayIn('en', leafNotAfter));

    const copy = page.locator('dl.facts dt:text-is("Fingerprint") + dd button.copy');
    expect(await copy.getAttribute('aria-label')).toBe('Copy Fingerprint');
    await copy.click();
    await page.locator('dl.facts dt:text-is("Fingerprint") + dd .copied:text("Copied")').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(fingerprint);
    // The PEM block's button sits outside the fold; no secret field has one.
    await page.locator('dl.fields details.pem + button.copy').click();
    expect(String(await page.evaluate('navigator.clipboard.readText()'))).toContain('-----BEGIN CERTIFICATE-----');
    expect(await page.locator('dl.fields dt:text-is("Private key") + dd button.copy').count()).toBe(0);
    // Trivia has none: a date, a count.
    expect(await page.locator('dl.facts dt:text-is("Valid until") + dd button.copy').count()).toBe(0);
    expect(await page.locator('dl.facts dt:text-is("Certificates in the chain") + dd button.copy').count()).toBe(0);
  });

  it('offers Copy on a new API token, shown once', async () => {
    const page = await b.signIn();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(`${b.base}/tokens`);
    await page.fill('#name', 'copied-once');
    await page.fill('#currentPassword', 'correct horse battery staple');
    await Promise.all([page.waitForNavigation(), page.click('main button:has-text("Create token")')]);
    const token = (await page.textContent('code.token'))!;
    expect(token).toMatch(/^tsr_/);
    await page.click('button.copy[aria-label="Copy the new token"]');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    await page.reload();
    expect(await page.locator('code.token').count()).toBe(0);
    await page.context().close();
  });

  it('expires at an earlier date the user sets, never later than the leaf', async () => {
    const earlier = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await b.h.tresor.secrets.update(b.h.admin, secretId, { expiresAt: new Date(`${earlier}T23:59:59.999Z`) });
    expect((await b.h.tresor.secrets.describe(b.h.admin, secretId)).expiresAt?.toISOString().slice(0, 10)).toBe(
      earlier,
    );
    // Another update that leaves the expiry alone keeps the user's choice.
    await b.h.tresor.secrets.update(b.h.admin, secretId, { description: 'renewed soon' });
    expect((await b.h.tresor.secrets.describe(b.h.admin, secretId)).expiresAt?.toISOString().slice(0, 10)).toBe(
      earlier,
    );
    const later = new Date(leafNotAfter.getTime() + 400 * 86_400_000);
    await b.h.tresor.secrets.update(b.h.admin, secretId, { expiresAt: later });
    expect((await b.h.tresor.secrets.describe(b.h.admin, secretId)).expiresAt?.toISOString()).toBe(
      leafNotAfter.toISOString(),
    );
    const german = await b.browser.newContext({ locale: 'de-DE' });
    const page = await german.newPage();
    await page.goto(`${b.base}/login`);
    await page.fill('#email', b.adminEmail);
    await page.fill('#password', testPassword);
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('main button[type=submit]')]);
    await page.goto(`${b.base}/secrets/${secretId}`);
    expect(await page.textContent('dl.meta dt:text-is("Expires") + dd')).toBe(dayIn('de', leafNotAfter));
    expect(await page.locator('dl.facts dt').first().textContent()).toBe('Inhaber');
    await german.close();
  });

  it('follows the system’s dark mode', async () => {
    const background = async (scheme: 'light' | 'dark') => {
      const context = await b.browser.newContext({ colorScheme: scheme });
      const page = await context.newPage();
      await page.goto(`${b.base}/login`);
      const colour = String(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'));
      await context.close();
      return colour.match(/\d+/g)!.slice(0, 3).map(Number);
    };
    const light = await background('light');
    const dark = await background('dark');
    expect(Math.min(...light)).toBeGreaterThan(200);
    expect(Math.max(...dark)).toBeLessThan(60);
  });
});
