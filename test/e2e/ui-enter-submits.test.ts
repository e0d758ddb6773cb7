/**
 * Enter submits the form's own action, never Generate (issue "A product, not an admin tool",
 * data safety first), in real Chromium with and without script: on the Password type's edit
 * form, Enter in Description saves the description and keeps the stored password; on its create
 * form, Enter in Name creates the secret with the password typed, not a generated one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';

describe.skipIf(!chromiumPath)('Enter on a form with Generate (Chromium)', () => {
  let b: BrowserApp;
  beforeAll(async () => {
    b = await browserApp();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'script on' : 'script off';

    it(`saves the edit and keeps the stored password when Enter is pressed in Description (${mode})`, async () => {
      const name = `enter-edit-${javaScriptEnabled ? 'js' : 'plain'}`;
      const stored = `Stored-Password-${name}-1`;
      const secret = await b.h.tresor.secrets.create(b.h.admin, {
        type: 'password',
        name,
        fields: { username: 'app', password: stored },
      });
      const page = await b.signIn(undefined, { javaScriptEnabled });
      await page.goto(`${b.base}/secrets/${secret.id}/edit`);
      await page.fill('#description', 'changed by Enter');
      await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.press('#description', 'Enter')]);
      expect(await page.textContent('.flash')).toContain('Saved');
      const now = await b.h.tresor.usage.useAny(b.h.admin, secret.id);
      expect(now.payload.password).toBe(stored);
      expect((await b.h.tresor.secrets.describe(b.h.admin, secret.id)).description).toBe('changed by Enter');
      await page.context().close();
    });

    it(`creates with the typed password when Enter is pressed in Name (${mode})`, async () => {
      const name = `enter-new-${javaScriptEnabled ? 'js' : 'plain'}`;
      const page = await b.signIn(undefined, { javaScriptEnabled });
      await page.goto(`${b.base}/secrets/new/password`);
      await page.fill('#f-username', 'app');
      await page.fill('#f-password', `Typed-Password-${name}-1`);
      await page.fill('input[name=name]', name);
      await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.press('input[name=name]', 'Enter')]);
      expect((await b.h.tresor.usage.useAny(b.h.admin, name)).payload.password).toBe(`Typed-Password-${name}-1`);
      await page.context().close();
    });
  }
});
