import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../credential-types/smtp.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';
import {
  createAdmin,
  databaseKinds,
  freshDatabase,
  type TestTresor,
  testConfig,
  testTresor,
} from '../support/databases.ts';
import { dumpTables, findCanaries } from '../support/leak-scan.ts';
import { samplePayloads } from '../support/payloads.ts';

const smtp = (password: string) => ({ host: 'smtp.example.test', username: 'mailer', password });

describe.each(databaseKinds)('sealed storage on %s', (kind) => {
  describe('integrity', () => {
    let t: TestTresor;
    beforeAll(async () => {
      t = await testTresor(kind);
    });
    afterAll(() => t?.close());

    it('detects a tampered ciphertext with a typed integrity error', async () => {
      const created = await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'tampered', fields: smtp('pw') });
      await t.database.handle.raw.query(
        // Every bit of one byte flipped: writing a fixed byte left it unchanged whenever it already was that byte (1 in 256).
        'update secret_versions set payload = set_byte(payload, 19, get_byte(payload, 19) # 255) where secret_id = $1',
        [created.id],
      );
      await expect(t.tresor.usage.useAny(t.admin, created.id)).rejects.toMatchObject({ code: 'INTEGRITY_FAILURE' });
      await expect(t.tresor.secrets.describe(t.admin, created.id)).rejects.toMatchObject({ code: 'INTEGRITY_FAILURE' });
    });

    it('detects a sealed row copied onto another secret', async () => {
      const a = await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'swap-a', fields: smtp('password-of-a') });
      const b = await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'swap-b', fields: smtp('password-of-b') });
      await t.database.handle.raw.query(
        'update secret_versions set payload = a.payload, data_key = a.data_key, kek_version = a.kek_version from secret_versions a where a.secret_id = $1 and a.version = 1 and secret_versions.secret_id = $2 and secret_versions.version = 1',
        [a.id, b.id],
      );
      await expect(t.tresor.use(Smtp, t.admin, b.id)).rejects.toMatchObject({ code: 'INTEGRITY_FAILURE' });
      expect((await t.tresor.use(Smtp, t.admin, a.id)).value.password).toBe('password-of-a');
    });

    it('detects a version row moved to another version number of the same secret', async () => {
      const s = await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'renumbered', fields: smtp('one') });
      await t.tresor.secrets.update(t.admin, s.id, { fields: smtp('two') });
      await t.database.handle.raw.query(
        'update secret_versions set payload = o.payload, data_key = o.data_key from secret_versions o where o.secret_id = $1 and o.version = 1 and secret_versions.secret_id = $1 and secret_versions.version = 2',
        [s.id],
      );
      await expect(t.tresor.usage.useAny(t.admin, s.id)).rejects.toMatchObject({ code: 'INTEGRITY_FAILURE' });
    });
  });

  it('refuses to start with the wrong master key, at once and clearly', async () => {
    const database = await freshDatabase(kind);
    try {
      const first = await createTresor(testConfig(), { database: database.handle, logger: createLogger('silent') });
      await first.secrets.create(await createAdmin(first), { type: 'smtp', name: 'sealed', fields: smtp('pw') });
      await expect(
        createTresor(testConfig(), { database: database.handle, logger: createLogger('silent') }),
      ).rejects.toMatchObject({
        code: 'WRONG_MASTER_KEY',
        message:
          'The master key from TRESOR_MASTER_KEY (version 1) is not the key this database was sealed with; refusing to start',
      });
    } finally {
      await database.drop();
    }
  });

  it('keeps TRESOR_VERSIONS_KEPT versions and deletes the ciphertext of older ones', async () => {
    const t = await testTresor(kind, { TRESOR_VERSIONS_KEPT: '3' });
    try {
      const s = await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'retained', fields: smtp('v1') });
      for (let i = 2; i <= 5; i++) await t.tresor.secrets.update(t.admin, s.id, { fields: smtp(`v${i}`) });
      expect((await t.tresor.secrets.versions(t.admin, s.id)).map((v) => v.version)).toEqual([5, 4, 3]);
      const rows = await t.database.handle.raw.query<{ version: number }>(
        'select version from secret_versions where secret_id = $1 order by version',
        [s.id],
      );
      expect(rows.map((r) => r.version)).toEqual([3, 4, 5]);
      await expect(t.tresor.secrets.rollback(t.admin, s.id, 2)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'Version 2 of secret "retained" no longer exists (only the last 3 are kept)',
      });
      await t.tresor.secrets.rollback(t.admin, s.id, 3);
      expect((await t.tresor.use(Smtp, t.admin, s.id)).value.password).toBe('v3');
    } finally {
      await t.close();
    }
  });

  it('with TRESOR_VERSIONS_KEPT=1 keeps no history: an overwritten value is gone from the database', async () => {
    const t = await testTresor(kind, { TRESOR_VERSIONS_KEPT: '1' });
    try {
      const s = await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'no-history', fields: smtp('first') });
      await t.tresor.secrets.update(t.admin, s.id, { fields: smtp('second') });
      const rows = await t.database.handle.raw.query<{ version: number }>(
        'select version from secret_versions where secret_id = $1',
        [s.id],
      );
      expect(rows.map((r) => r.version)).toEqual([2]);
      await expect(t.tresor.secrets.rollback(t.admin, s.id, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await t.close();
    }
  });

  it('stores no canary, nor its base64 or hex, in any column of any table', async () => {
    const t = await testTresor(kind);
    try {
      const samples = await samplePayloads();
      const canaries = samples.flatMap((s) => s.canaries);
      for (const sample of samples) {
        const created = await t.tresor.secrets.create(t.admin, {
          type: sample.type,
          name: `canary-${sample.type}`,
          description: 'canary check',
          fields: sample.fields,
        });
        await t.tresor.secrets.update(t.admin, created.id, { description: 'second version' });
      }
      // Control: a marker put in a plaintext column on purpose must be found by the same scan.
      const control = 'CANARY-control-in-description';
      await t.tresor.secrets.create(t.admin, {
        type: 'password',
        name: 'control',
        description: control,
        fields: { password: 'p' },
      });
      const dump = await dumpTables(t.database.handle.raw);
      expect(findCanaries(dump, [control])).toEqual([control]);
      expect(dump).toContain('canary-smtp'); // the scan sees the tables (names are plaintext by design)
      expect(dump.length).toBeGreaterThan(2_000);
      expect(findCanaries(dump, canaries)).toEqual([]);
      // And the values are really in there, sealed: every secret opens to its canary.
      for (const sample of samples)
        expect(JSON.stringify((await t.tresor.usage.useAny(t.admin, `canary-${sample.type}`)).payload)).toContain(
          sample.canaries[0],
        );
    } finally {
      await t.close();
    }
  });
});
