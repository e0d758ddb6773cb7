/**
 * Generated values on the form (issue "The life of a secret", part 5), in real Chromium: a
 * secret field with a generator has a Generate button; the value is made on the server and put
 * in the field once (to copy), the other values entered stay, and once saved it is sealed and
 * never shown again — on the secret's page or in the edit form. Without script it works the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';

describe.skipIf(!chromiumPath)('generating a value on the form (Chromium)', () => {
  let b: BrowserApp;
  beforeAll(async () => {
    b = await browserApp();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  for (const javaScriptEnabled of [true, false])
    it(`generates a password, shows it once, then keeps it sealed (script ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const page = await b.signIn(undefined, { javaScriptEnabled });
      const name = `generated-${javaScriptEnabled ? 'js' : 'plain'}`;
      await page.goto(`${b.base}/secrets/new/password`);
      await page.fill('input[name=name]', name);
      await page.fill('#f-username', 'app');
      // Only the password can be generated.
      expect(await page.locator('button.generate').count()).toBe(1);
      await Promise.all([page.waitForURL(/\/secrets\/new\/password\/generate$/), page.click('button.generate')]);
      expect(await page.inputValue('input[name=name]')).toBe(name);
      expect(await page.inputValue('#f-username')).toBe('app');
      const generated = await page.inputValue('#f-password');
      expect(generated).toHaveLength(24);
      expect(await page.textContent('#g-password')).toContain('never shown again');
      if (javaScriptEnabled) expect(await page.locator('#f-password + button.copy').count()).toBe(1);

      await Promise.all([
        page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/),
        page.click('main form button[type=submit]:not(.generate):not([formaction])'),
      ]);
      const id = page.url().split('/').at(-1)!;
      expect((await b.h.tresor.usage.useAny(b.h.admin, name)).payload.password).toBe(generated);
      expect(await page.content()).not.toContain(generated);
      await page.goto(`${b.base}/secrets/${id}/edit`);
      expect(await page.content()).not.toContain(generated);
      expect(await page.inputValue('#f-password')).toBe('');

      // On edit, Generate makes a new one; saving replaces the stored value.
      await page.click('button.generate');
      const next = await page.inputValue('#f-password');
      expect(next).not.toBe(generated);
      await Promise.all([
        page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/),
        page.click('main form button[type=submit]:not(.generate):not([formaction])'),
      ]);
      expect((await b.h.tresor.usage.useAny(b.h.admin, name)).payload.password).toBe(next);
      expect(await page.content()).not.toContain(next);
    });
});
