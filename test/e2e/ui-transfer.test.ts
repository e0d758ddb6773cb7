/**
 * Export and import in the browser (Chromium), for a SECRET_EXPORT holder: the archive
 * downloads, a dry run of it shows what would be renamed, the import redirects and the page
 * lists it; an administrator without the permission has no link and a 403 by URL.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { createUser } from '../support/principals.ts';

describe.skipIf(!chromiumPath)('export and import in the browser (Chromium)', () => {
  let b: BrowserApp;
  let mover: { kind: 'user'; id: string; email: string };

  beforeAll(async () => {
    b = await browserApp();
    mover = await createUser(b.h.tresor, b.h.admin, 'ui-mover', ['SECRET_MANAGEMENT_CREATE']);
    await b.h.tresor.groups.grant(systemPrincipal, { userId: mover.id }, 'SECRET_EXPORT');
    await b.h.tresor.secrets.create(mover, { type: 'api-key', name: 'ui-moving', fields: { key: 'CANARY-ui-move' } });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  it('downloads an archive, dry-runs it, imports it renamed, and lists what it did', async () => {
    const page = await b.signIn(mover.email);
    expect(await page.locator('nav[aria-label="Main"] a').allTextContents()).toContain('Export / import');
    await page.goto(`${b.base}/admin/transfer`);
    await page.fill('#export-passphrase', 'a passphrase for the browser');
    await page.fill('#export-confirm', 'not the same one');
    await Promise.all([page.waitForResponse(/\/export$/), page.click('form[action$="/export"] button')]);
    expect(await page.textContent('#export-error')).toBe('The two passphrases differ');

    await page.fill('#export-passphrase', 'a passphrase for the browser');
    await page.fill('#export-confirm', 'a passphrase for the browser');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('form[action$="/export"] button')]);
    expect(download.suggestedFilename()).toBe('backup.tresor');
    const archive = readFileSync((await download.path())!, 'utf8');
    expect(archive.startsWith('TRESOR-ARCHIVE\n')).toBe(true);
    expect(archive).not.toContain('CANARY-ui-move');

    await page.goto(`${b.base}/admin/transfer`);
    await page.fill('#archive', archive);
    await page.fill('#import-passphrase', 'a passphrase for the browser');
    await page.selectOption('#on-conflict', 'rename');
    await Promise.all([page.waitForResponse(/\/import$/), page.click('form[action$="/import"] button')]);
    expect(await page.textContent('#report')).toBe('Dry run: nothing was written');
    expect(await page.locator('table.report td').allTextContents()).toEqual([
      'ui-moving → ui-moving-2',
      'api-key',
      'renamed',
      '',
    ]);
    await expect(b.h.tresor.secrets.get(b.h.admin, 'ui-moving-2')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await page.fill('#archive', archive);
    await page.fill('#import-passphrase', 'a passphrase for the browser');
    await page.selectOption('#on-conflict', 'rename');
    await page.uncheck('#dry-run');
    await Promise.all([page.waitForURL(/\/admin\/transfer$/), page.click('form[action$="/import"] button')]);
    expect(await page.textContent('.flash')).toContain('Imported');
    expect(await page.textContent('ul.transfers')).toContain(
      'transfer.imported: 0 created, 1 renamed, 0 skipped, 0 failed',
    );
    expect((await b.h.tresor.usage.useAny(mover, 'ui-moving-2')).payload.key).toBe('CANARY-ui-move');
    expect(await page.content()).not.toContain('CANARY-ui-move');
    await page.context().close();
  });

  it('offers an administrator without SECRET_EXPORT no link, and refuses the page', async () => {
    const page = await b.signIn();
    expect(await page.locator('nav[aria-label="Main"] a').allTextContents()).not.toContain('Export / import');
    const response = await page.goto(`${b.base}/admin/transfer`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('form[action$="/import"]').count()).toBe(0);
    await page.context().close();
  });
});
