import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../credential-types/smtp.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { type Sample, samplePayloads } from '../support/payloads.ts';

describe.each(databaseKinds)('secret service on %s', (kind) => {
  let t: TestTresor;
  let samples: Sample[];
  let actor: Principal;
  beforeAll(async () => {
    t = await testTresor(kind, { TRESOR_VERSIONS_KEPT: '10' });
    actor = t.admin;
    samples = await samplePayloads();
  });
  afterAll(() => t?.close());

  const smtpFields = (password = 'initial-password') => ({ host: 'smtp.example.test', username: 'mailer', password });

  it('round-trips every built-in type: create, open, typed instance equal to the input', async () => {
    for (const sample of samples) {
      const created = await t.tresor.secrets.create(actor, {
        type: sample.type,
        name: `rt-${sample.type}`,
        fields: sample.fields,
      });
      expect(created.version).toBe(1);
      const opened = await t.tresor.usage.useAny(actor, created.id);
      expect(opened.type.id).toBe(sample.type);
      for (const [key, value] of Object.entries(sample.fields)) expect(opened.payload[key]).toEqual(value);
      const detail = await t.tresor.secrets.describe(actor, created.name);
      expect(JSON.stringify(detail)).not.toContain(sample.canaries[0]);
    }
    const { value } = await t.tresor.use(Smtp, actor, 'rt-smtp');
    expect(value).toBeInstanceOf(Smtp);
    expect(value.port).toBe(587);
  });

  it('never puts a secret field in metadata or the described view', async () => {
    const created = await t.tresor.secrets.create(actor, {
      type: 'smtp',
      name: 'meta-view',
      fields: smtpFields('canary-meta-view-pw'),
    });
    const detail = await t.tresor.secrets.describe(actor, created.id);
    expect(detail.fields).toEqual({
      host: 'smtp.example.test',
      port: 587,
      security: 'starttls',
      authentication: true,
      username: 'mailer',
    });
    expect(
      JSON.stringify([detail, await t.tresor.secrets.list(actor), await t.tresor.secrets.versions(actor, created.id)]),
    ).not.toContain('canary-meta-view-pw');
  });

  it('keeps the stored password when the field is left empty, and versions every change', async () => {
    const created = await t.tresor.secrets.create(actor, {
      type: 'smtp',
      name: 'keep-empty',
      fields: smtpFields('kept-password'),
    });
    const first = await t.tresor.secrets.update(actor, created.id, {
      fields: { ...smtpFields(''), username: 'relay-user' },
      expectedVersion: 1,
    });
    expect(first).toMatchObject({ changed: true, secret: { version: 2 } });
    const { value } = await t.tresor.use(Smtp, actor, created.id);
    expect(value.password).toBe('kept-password');
    expect(value.username).toBe('relay-user');
  });

  it('writes no version for an update that changes nothing, and says so', async () => {
    const created = await t.tresor.secrets.create(actor, { type: 'smtp', name: 'no-change', fields: smtpFields() });
    const result = await t.tresor.secrets.update(actor, created.id, { fields: smtpFields(''), description: '' });
    expect(result).toMatchObject({ changed: false, secret: { version: 1 } });
    expect(await t.tresor.secrets.versions(actor, created.id)).toHaveLength(1);
  });

  it('refuses a stale expected version with a conflict and changes nothing', async () => {
    const created = await t.tresor.secrets.create(actor, { type: 'smtp', name: 'stale', fields: smtpFields() });
    await t.tresor.secrets.update(actor, created.id, { description: 'v2' });
    await expect(
      t.tresor.secrets.update(actor, created.id, { description: 'lost?', expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    expect((await t.tresor.secrets.get(actor, created.id)).description).toBe('v2');
  });

  it('serialises 50 concurrent updates of one secret: dense versions, one winner per version, no lost update', async () => {
    const created = await t.tresor.secrets.create(actor, {
      type: 'generic',
      name: 'contended',
      fields: { entries: [{ name: 'W', value: 'start' }] },
    });
    const winners = new Map<number, number>();
    const attempts = { conflicts: 0 };
    await Promise.all(
      Array.from({ length: 50 }, async (_, writer) => {
        for (;;) {
          const { version } = await t.tresor.secrets.get(actor, created.id);
          try {
            const result = await t.tresor.secrets.update(actor, created.id, {
              fields: { entries: [{ name: 'W', value: `writer-${writer}` }] },
              expectedVersion: version,
              reason: `writer ${writer}`,
            });
            expect(winners.has(result.secret.version)).toBe(false);
            winners.set(result.secret.version, writer);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== 'VERSION_CONFLICT') throw error;
            attempts.conflicts++;
          }
        }
      }),
    );
    const final = await t.tresor.secrets.get(actor, created.id);
    expect(final.version).toBe(51);
    expect([...winners.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(new Set(winners.values()).size).toBe(50);
    // Every version that is kept holds exactly the writer that won it.
    const kept = await t.tresor.secrets.versions(actor, created.id);
    expect(kept.map((v) => v.version)).toEqual(Array.from({ length: 10 }, (_, i) => 51 - i));
    for (const v of kept.slice(0, 9)) expect(v.reason).toBe(`writer ${winners.get(v.version)}`);
  });

  it('rolls back by writing a new version with the old payload; history stays', async () => {
    const created = await t.tresor.secrets.create(actor, {
      type: 'smtp',
      name: 'rollback',
      fields: smtpFields('pw-one'),
    });
    await t.tresor.secrets.update(actor, created.id, { fields: smtpFields('pw-two') });
    const rolled = await t.tresor.secrets.rollback(actor, created.id, 1, { reason: 'bad rotation' });
    expect(rolled.version).toBe(3);
    expect((await t.tresor.use(Smtp, actor, created.id)).value.password).toBe('pw-one');
    const versions = await t.tresor.secrets.versions(actor, created.id);
    expect(versions.map((v) => [v.version, v.reason])).toEqual([
      [3, 'rolled back to version 1: bad rotation'],
      [2, 'updated'],
      [1, 'created'],
    ]);
    await expect(t.tresor.secrets.rollback(actor, created.id, 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.tresor.secrets.rollback(actor, created.id, 3)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'version',
    });
  });

  it('validates names and descriptions, refuses duplicates, and names the field', async () => {
    await expect(
      t.tresor.secrets.create(actor, { type: 'smtp', name: 'bad name!', fields: smtpFields() }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
    await expect(
      t.tresor.secrets.create(actor, { type: 'smtp', name: 'x'.repeat(65), fields: smtpFields() }),
    ).rejects.toMatchObject({ field: 'name' });
    await expect(
      t.tresor.secrets.create(actor, { type: 'smtp', name: 'ok', description: 'd'.repeat(501), fields: smtpFields() }),
    ).rejects.toMatchObject({ field: 'description' });
    await expect(t.tresor.secrets.create(actor, { type: 'nope', name: 'ok', fields: {} })).rejects.toMatchObject({
      field: 'type',
    });
    await expect(
      t.tresor.secrets.create(actor, { type: 'smtp', name: 'ok', fields: { ...smtpFields(), port: 0 } }),
    ).rejects.toMatchObject({ field: 'fields.port' });
    await t.tresor.secrets.create(actor, { type: 'smtp', name: 'taken', fields: smtpFields() });
    await expect(
      t.tresor.secrets.create(actor, { type: 'smtp', name: 'taken', fields: smtpFields() }),
    ).rejects.toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect((await t.tresor.secrets.list(actor, { text: 'ok' })).map((s) => s.name)).not.toContain('ok');
  });

  it('deletes permanently: the secret, its versions and data keys in one go', async () => {
    const created = await t.tresor.secrets.create(actor, { type: 'smtp', name: 'doomed', fields: smtpFields() });
    await t.tresor.secrets.update(actor, created.id, { description: 'two' });
    await t.tresor.secrets.delete(actor, 'doomed');
    await expect(t.tresor.secrets.get(actor, created.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const rows = await t.database.handle.raw.query<{ n: number }>(
      'select count(*)::int as n from secret_versions where secret_id = $1',
      [created.id],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('takes the expiry of an API key from its field, and lets any secret carry one', async () => {
    const key = await t.tresor.secrets.create(actor, {
      type: 'api-key',
      name: 'expiring-key',
      fields: { key: 'k', expiresOn: '2031-05-01' },
    });
    expect(key.expiresAt?.toISOString()).toBe('2031-05-01T23:59:59.999Z');
    const updated = await t.tresor.secrets.update(actor, key.id, { fields: { key: '', expiresOn: '2032-01-01' } });
    expect(updated.secret.expiresAt?.toISOString()).toBe('2032-01-01T23:59:59.999Z');
    const at = new Date('2030-01-01T00:00:00Z');
    const other = await t.tresor.secrets.create(actor, {
      type: 'smtp',
      name: 'expiring-smtp',
      fields: smtpFields(),
      expiresAt: at,
    });
    expect(other.expiresAt?.toISOString()).toBe(at.toISOString());
    // Secrets whose values carry a later expiry (the key, now 2032) are not listed; those expiring sooner are.
    const soon = (await t.tresor.secrets.list(actor, { expiringBefore: new Date('2031-12-31') })).map((s) => s.name);
    expect(soon).toContain('expiring-smtp');
    expect(soon).not.toContain('expiring-key');
    // A date the user sets before the key's own is kept; a later one is not.
    const earlier = new Date('2031-06-30T00:00:00.000Z');
    const shortened = await t.tresor.secrets.update(actor, key.id, { expiresAt: earlier });
    expect(shortened.secret.expiresAt).toEqual(earlier);
    const renamed = await t.tresor.secrets.update(actor, key.id, { description: 'kept short' });
    expect(renamed.secret.expiresAt).toEqual(earlier);
    const later = await t.tresor.secrets.update(actor, key.id, { expiresAt: new Date('2040-01-01T00:00:00Z') });
    expect(later.secret.expiresAt?.toISOString()).toBe('2032-01-01T23:59:59.999Z');
  });

  it('lists with stable pagination by name and filters by type and text', async () => {
    for (const n of ['page-a', 'page-b', 'page-c'])
      await t.tresor.secrets.create(actor, {
        type: 'password',
        name: n,
        description: 'paged',
        fields: { password: 'p' },
      });
    const first = await t.tresor.secrets.list(actor, { text: 'paged', limit: 2 });
    const second = await t.tresor.secrets.list(actor, { text: 'paged', limit: 2, after: first.at(-1)!.name });
    expect([...first, ...second].map((s) => s.name)).toEqual(['page-a', 'page-b', 'page-c']);
    expect((await t.tresor.secrets.list(actor, { typeId: 'password', text: 'page-' })).length).toBe(3);
  });
});
