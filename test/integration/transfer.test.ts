/**
 * Export and import between two Tresor instances with different master keys — PGlite to
 * PostgreSQL when TEST_DATABASE_URL is set, else PGlite to PGlite (issue "The life of a
 * secret", part 4): every built-in type round-trips with its values, versions, owner,
 * shares and notice recipients; a dry run writes nothing; a wrong passphrase, an altered
 * archive and a header asking for too much are refused with a clear message; only Tresor
 * itself and SECRET_EXPORT holders may do either; both sides are audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createAdmin, postgresUrl, type TestTresor, testTresor } from '../support/databases.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { type Sample, samplePayloads } from '../support/payloads.ts';
import { createUser } from '../support/principals.ts';

const passphrase = 'a long passphrase for moving secrets';

describe(`export from PGlite, import into ${postgresUrl ? 'PostgreSQL' : 'a second PGlite'}`, () => {
  let source: TestTresor;
  let target: TestTresor;
  let samples: Sample[];
  let archive: string;
  let friendEmail: string;

  beforeAll(async () => {
    source = await testTresor('pglite');
    target = await testTresor(postgresUrl ? 'postgres' : 'pglite');
    samples = await samplePayloads();
    const mover = await createAdmin(source.tresor, 'mover@example.test');
    friendEmail = (await createUser(source.tresor, source.admin, 'friend')).email;
    await source.tresor.groups.create(source.admin, { name: 'ops' });
    await source.tresor.users.create(source.admin, { email: 'gone@example.test' });
    for (const sample of samples)
      await source.tresor.secrets.create(mover, {
        type: sample.type,
        name: `rt-${sample.type}`,
        fields: sample.fields,
      });
    const versioned = await source.tresor.secrets.create(mover, {
      type: 'generic',
      name: 'versioned',
      description: 'three versions',
      fields: { entries: [{ name: 'V', value: 'CANARY-transfer-v1' }] },
      expiresAt: new Date('2031-05-01T00:00:00Z'),
    });
    await source.tresor.secrets.update(mover, versioned.id, {
      fields: { entries: [{ name: 'V', value: 'CANARY-transfer-v2' }] },
      reason: 'second',
    });
    await source.tresor.secrets.update(mover, versioned.id, {
      fields: { entries: [{ name: 'V', value: 'CANARY-transfer-v3' }] },
      reason: 'third',
    });
    await source.tresor.shares.share(mover, versioned.id, { user: friendEmail });
    await source.tresor.shares.share(mover, versioned.id, { group: 'ops' });
    await source.tresor.shares.share(mover, versioned.id, { user: 'gone@example.test' });
    await source.tresor.notices.setRecipients(mover, versioned.id, ['team@example.test']);

    // The target knows the mover, the friend and ops, not gone@; it already has an rt-password.
    const targetMover = await createAdmin(target.tresor, 'mover@example.test');
    await target.tresor.users.create(target.admin, { email: friendEmail });
    await target.tresor.groups.create(target.admin, { name: 'ops' });
    await target.tresor.secrets.create(targetMover, {
      type: 'password',
      name: 'rt-password',
      fields: { password: 'x' },
    });
  }, 90_000);
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('writes an archive only Tresor itself or a SECRET_EXPORT holder may make, with no value readable in it', async () => {
    await expect(source.tresor.transfer.exportArchive(source.admin, { passphrase })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: 'Exporting secrets with their values needs the SECRET_EXPORT permission',
    });
    await expect(source.tresor.transfer.exportArchive(systemPrincipal, { passphrase: 'short' })).rejects.toMatchObject({
      field: 'passphrase',
    });
    // An administrator cannot hand out SECRET_EXPORT (not holding it); Tresor itself can.
    const exporter = await createUser(source.tresor, source.admin, 'exporter');
    await expect(
      source.tresor.groups.grant(source.admin, { userId: exporter.id }, 'SECRET_EXPORT'),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringContaining('you do not hold it') });
    await source.tresor.groups.grant(systemPrincipal, { userId: exporter.id }, 'SECRET_EXPORT');
    ({ archive } = await source.tresor.transfer.exportArchive(exporter, { passphrase, allVersions: true }));
    const header = source.tresor.transfer.describe(archive);
    expect(header).toMatchObject({ format: 1, secrets: samples.length + 1, allVersions: true, cipher: 'aes-256-gcm' });
    expect(header.kdf).toMatchObject({ name: 'argon2id', memoryKiB: 65_536, passes: 3 });
    // A salt of its own each time: the same store exported twice shares no key.
    const again = await source.tresor.transfer.exportArchive(systemPrincipal, { passphrase, only: ['versioned'] });
    expect(source.tresor.transfer.describe(again.archive).kdf.salt).not.toBe(header.kdf.salt);
    const values = [...samples.flatMap((s) => s.canaries), 'CANARY-transfer-v1', 'CANARY-transfer-v3'];
    expect(findCanaries(archive, values)).toEqual([]);
    const audited = await source.tresor.audit.query(source.admin, { action: 'transfer.exported' });
    expect(audited.map((e) => [e.actorId, e.details])).toEqual([
      [null, { secrets: 1, allVersions: false }],
      [exporter.id, { secrets: samples.length + 1, allVersions: true }],
    ]);
  });

  it('refuses a wrong passphrase, an altered archive and a header that asks for too much, writing nothing', async () => {
    const before = (await target.tresor.secrets.list(systemPrincipal, { limit: 500 })).length;
    const refuse = (text: string, pass = passphrase) =>
      target.tresor.transfer.importArchive(systemPrincipal, text, { passphrase: pass });
    await expect(refuse(archive, 'not the right passphrase')).rejects.toMatchObject({
      field: 'passphrase',
      message: expect.stringContaining('Wrong passphrase for this archive'),
    });
    const [magic, header, body] = archive.split('\n');
    const flipped = `${body!.slice(0, 100)}${body![100] === 'A' ? 'B' : 'A'}${body!.slice(101)}`;
    await expect(refuse([magic, header, flipped, ''].join('\n'))).rejects.toMatchObject({
      field: 'archive',
      message: expect.stringContaining('altered or is damaged'),
    });
    const claims = header!.replace(/"secrets":\d+/, '"secrets":1');
    await expect(refuse([magic, claims, body, ''].join('\n'))).rejects.toMatchObject({
      message: expect.stringContaining('altered or is damaged'),
    });
    const greedy = header!.replace('"memoryKiB":65536', '"memoryKiB":4194304');
    await expect(refuse([magic, greedy, body, ''].join('\n'))).rejects.toMatchObject({
      field: 'archive',
      message: expect.stringContaining('asks for more than Tresor allows'),
    });
    await expect(refuse('hello')).rejects.toMatchObject({ message: expect.stringContaining('not a Tresor archive') });
    await expect(target.tresor.transfer.importArchive(target.admin, archive, { passphrase })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    expect((await target.tresor.secrets.list(systemPrincipal, { limit: 500 })).length).toBe(before);
  });

  it('shows in a dry run what it would create, rename or skip, and writes nothing', async () => {
    const before = (await target.tresor.secrets.list(systemPrincipal, { limit: 500 })).length;
    const skip = await target.tresor.transfer.importArchive(systemPrincipal, archive, { passphrase, dryRun: true });
    expect(skip.lines.find((l) => l.name === 'rt-password')).toMatchObject({
      outcome: 'skipped',
      notes: ['a secret of that name exists here'],
    });
    expect(skip.counts).toEqual({ created: samples.length, renamed: 0, skipped: 1, failed: 0 });
    const rename = await target.tresor.transfer.importArchive(systemPrincipal, archive, {
      passphrase,
      dryRun: true,
      onConflict: 'rename',
    });
    expect(rename.lines.find((l) => l.name === 'rt-password')).toMatchObject({
      outcome: 'renamed',
      as: 'rt-password-2',
    });
    expect(rename.lines.find((l) => l.name === 'versioned')).toMatchObject({
      versions: 3,
      notes: ['share with gone@example.test dropped: no such user'],
    });
    expect((await target.tresor.secrets.list(systemPrincipal, { limit: 500 })).length).toBe(before);
    expect(await target.tresor.audit.query(target.admin, { action: 'transfer.imported' })).toEqual([]);
  });

  it('imports every type with its values, versions, owner, shares and notice recipients', async () => {
    const report = await target.tresor.transfer.importArchive(systemPrincipal, archive, {
      passphrase,
      onConflict: 'rename',
    });
    expect(report.counts).toEqual({ created: samples.length, renamed: 1, skipped: 0, failed: 0 });
    const mover = await target.tresor.users.findByEmail('mover@example.test');
    const asMover = { kind: 'user' as const, id: mover!.id };
    for (const sample of samples) {
      const name = sample.type === 'password' ? 'rt-password-2' : `rt-${sample.type}`;
      const opened = await target.tresor.usage.useAny(asMover, name);
      for (const [key, value] of Object.entries(sample.fields)) expect(opened.payload[key]).toEqual(value);
      expect((await target.tresor.secrets.get(asMover, name)).ownerId).toBe(mover!.id);
    }
    const versioned = await target.tresor.secrets.get(asMover, 'versioned');
    expect(versioned).toMatchObject({ description: 'three versions', version: 3 });
    expect(versioned.expiresAt?.toISOString()).toBe('2031-05-01T00:00:00.000Z');
    expect((await target.tresor.secrets.versions(asMover, 'versioned')).map((v) => v.reason)).toEqual([
      'third',
      'second',
      'created',
    ]);
    expect((await target.tresor.usage.useAny(asMover, 'versioned')).payload.entries).toEqual([
      { name: 'V', value: 'CANARY-transfer-v3' },
    ]);
    const shares = await target.tresor.shares.shares(asMover, 'versioned');
    expect(shares.map((s) => `${s.kind} ${s.label}`).sort()).toEqual(['group ops', `user ${friendEmail}`]);
    expect(await target.tresor.notices.recipients(asMover, 'versioned')).toEqual(['team@example.test']);
    const audited = await target.tresor.audit.query(target.admin, { action: 'transfer.imported' });
    expect(audited.map((e) => e.details)).toEqual([{ created: samples.length, renamed: 1, skipped: 0, failed: 0 }]);
  });
});
