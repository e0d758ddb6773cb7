/** Export and import over the REST API: for SECRET_EXPORT holders only, refused before a large body is read. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('REST API: export and import on %s', (kind) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp(kind);
  });
  afterAll(() => h?.close());

  it('exports an archive and imports it back (renamed), and refuses whoever lacks SECRET_EXPORT', async () => {
    await h.tresor.secrets.create(h.admin, { type: 'api-key', name: 'api-moving', fields: { key: 'CANARY-api-move' } });
    const admin = await h.tokenFor(h.admin);
    const passphrase = 'a passphrase of some length';
    const refused = await h.api('POST', '/api/v1/admin/export', admin, { passphrase });
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'ACCESS_DENIED']);
    const bigBody = { archive: 'x'.repeat(5_000_000), passphrase };
    expect((await h.api('POST', '/api/v1/admin/import', admin, bigBody)).statusCode).toBe(403);

    const mover = await createUser(h.tresor, h.admin, 'api-mover');
    await h.tresor.groups.grant(systemPrincipal, { userId: mover.id }, 'SECRET_EXPORT');
    const token = await h.tokenFor(mover);
    const exported = await h.api('POST', '/api/v1/admin/export', token, { passphrase, only: ['api-moving'] });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toBe('attachment; filename="backup.tresor"');
    expect(exported.body.startsWith('TRESOR-ARCHIVE\n')).toBe(true);
    expect(exported.body).not.toContain('CANARY-api-move');

    const dry = await h.api('POST', '/api/v1/admin/import', token, {
      archive: exported.body,
      passphrase,
      dryRun: true,
      onConflict: 'rename',
    });
    expect(dry.json()).toMatchObject({
      dryRun: true,
      lines: [{ name: 'api-moving', as: 'api-moving-2', outcome: 'renamed' }],
    });
    const imported = await h.api('POST', '/api/v1/admin/import', token, {
      archive: exported.body,
      passphrase,
      onConflict: 'rename',
    });
    expect(imported.json().counts).toEqual({ created: 0, renamed: 1, skipped: 0, failed: 0 });
    expect((await h.tresor.usage.useAny(h.admin, 'api-moving-2')).payload.key).toBe('CANARY-api-move');
    const wrong = await h.api('POST', '/api/v1/admin/import', token, {
      archive: exported.body,
      passphrase: 'x'.repeat(20),
    });
    expect([wrong.statusCode, wrong.json().error.field]).toEqual([422, 'passphrase']);
  });
});
