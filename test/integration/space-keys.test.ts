/**
 * Each space's own key-encryption key (issue "Spaces"): values are sealed under their space's
 * key, which the master key wraps; a space rotates on its own, resumably; values sealed before
 * spaces had keys move onto the space's key; deleting a space destroys its keys, so a copy of
 * its values opens under no key left (crypto-shredding); its admins and KEY_ADMIN rotate it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { unwrapDataKey, wrapDataKey } from '../../src/crypto/envelope.ts';
import { parseKeyMaterial } from '../../src/crypto/key-material.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { defaultSpaceId } from '../../src/db/schema/spaces.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { databaseKinds, type FreshDatabase, freshDatabase, testConfig } from '../support/databases.ts';
import { outcomeOf } from '../support/outcome.ts';
import { createUser } from '../support/principals.ts';

type VersionRow = {
  secret_id: string;
  version: number;
  data_key: Buffer;
  kek_version: number;
  key_space_id: string | null;
};

describe.each(databaseKinds)("spaces' own keys on %s", (kind) => {
  let database: FreshDatabase;
  let t: Tresor;
  let admin: Principal;
  let keyPath: string;
  const rows = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await t.database.raw.query<T>(sql, params)) as T[];
  const versionOf = async (secretId: string) =>
    (await rows<VersionRow>('select * from secret_versions where secret_id = $1', [secretId]))[0]!;
  /** The master keys as the key file holds them now (a rotation adds versions to it). */
  const masterRing = () => new KeyRing(parseKeyMaterial(readFileSync(keyPath, 'utf8'), 'key file'));
  /** Every space key left in the database, unwrapped with the master key: what could still open a value. */
  const spaceRings = async () => {
    const master = masterRing();
    const stored = await rows<{ space_id: string; version: number; wrapped_key: Buffer; kek_version: number }>(
      'select * from space_keys',
    );
    return stored.map((r) => ({
      spaceId: r.space_id,
      ring: new KeyRing([
        {
          version: r.version,
          key: unwrapDataKey(
            master,
            { dataKey: r.wrapped_key, kekVersion: r.kek_version },
            { secretId: r.space_id, version: r.version },
          ),
        },
      ]),
    }));
  };
  const usable = (principal: Principal, ref: string) =>
    t.use(Password, principal, ref).then(
      (p) => p.value.password,
      () => undefined,
    );

  beforeAll(async () => {
    database = await freshDatabase(kind);
    keyPath = join(mkdtempSync(join(tmpdir(), 'tresor-space-keys-')), 'master.keys');
    writeFileSync(keyPath, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    t = await createTresor(testConfig({ TRESOR_MASTER_KEY: '', TRESOR_MASTER_KEY_FILE: keyPath }), {
      database: database.handle,
      logger: createLogger('silent'),
    });
    const user = await t.bootstrap.createAdministrator({
      email: 'keys-admin@example.test',
      password: 'correct horse battery staple',
    });
    admin = { kind: 'user', id: user.id };
    for (const name of ['payments', 'shredded', 'resumed']) {
      await t.spaces.create(admin, { name });
      await t.spaces.setRole(admin, name, { user: 'keys-admin@example.test' }, 'admin');
    }
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('seals each space under its own key; a data key moved to another space opens under none of its keys', async () => {
    const home = await t.secrets.create(admin, { type: 'password', name: 'relay', fields: { password: 'home-pw' } });
    const psp = await t.secrets.create(admin, {
      type: 'password',
      name: 'psp',
      space: 'payments',
      fields: { password: 'psp-pw' },
    });
    const [homeRow, pspRow] = [await versionOf(home.id), await versionOf(psp.id)];
    expect(homeRow.key_space_id).toBe(defaultSpaceId);
    expect(pspRow.key_space_id).toBe(psp.spaceId);
    expect(pspRow.key_space_id).not.toBe(defaultSpaceId);
    expect(await usable(admin, 'payments/psp')).toBe('psp-pw');

    // The payments value's data key, claimed to be the default space's: it does not open.
    await t.database.raw.query(
      'update secret_versions set data_key = $1, key_space_id = $2, kek_version = $3 where secret_id = $4',
      [pspRow.data_key, defaultSpaceId, 1, home.id],
    );
    t.cache.invalidate({ scope: 'all' });
    expect(await usable(admin, 'relay')).toBeUndefined();
    await expect(t.use(Password, admin, 'relay')).rejects.toThrow(/integrity check/);
    // Its own key back: it opens again.
    await t.database.raw.query('update secret_versions set data_key = $1 where secret_id = $2', [
      homeRow.data_key,
      home.id,
    ]);
    t.cache.invalidate({ scope: 'all' });
    expect(await usable(admin, 'relay')).toBe('home-pw');
  });

  it('moves values sealed before spaces had keys onto the space key; a master rotation re-wraps only keys', async () => {
    const old = await t.secrets.create(admin, { type: 'password', name: 'older', fields: { password: 'old-pw' } });
    // As the upgrade found it: the data key wrapped by the master key itself.
    const row = await versionOf(old.id);
    const space = (await spaceRings()).find((s) => s.spaceId === defaultSpaceId)!.ring;
    const binding = { secretId: old.id, version: 1 };
    const dataKey = unwrapDataKey(space, { dataKey: row.data_key, kekVersion: row.kek_version }, binding);
    const underMaster = wrapDataKey(masterRing(), dataKey, binding, 1);
    await t.database.raw.query(
      'update secret_versions set data_key = $1, kek_version = 1, key_space_id = null where secret_id = $2',
      [underMaster.dataKey, old.id],
    );
    t.cache.invalidate({ scope: 'all' });
    expect(await usable(admin, 'older')).toBe('old-pw');
    expect((await t.spaces.keyStatus(admin, 'default')).underMasterKey).toBe(1);

    // The master rotation: the four spaces' keys and the one value still under it; values under space keys stay.
    const rotated = await t.keys.rotate(systemPrincipal);
    expect(rotated).toEqual({ targetVersion: 2, rewrapped: 5, remaining: 0 });
    expect(await versionOf(old.id)).toMatchObject({ kek_version: 2, key_space_id: null });
    expect(await usable(admin, 'older')).toBe('old-pw');
    expect(await usable(admin, 'payments/psp')).toBe('psp-pw');

    // The space's rotation takes it onto the space's key.
    const before = await t.spaces.keyStatus(admin, 'default');
    const rotation = await t.spaces.rotateKey(admin, 'default');
    expect(rotation).toEqual({ version: 2, rewrapped: before.versions[0]!.dataKeys + 1, retired: 1 });
    expect(await versionOf(old.id)).toMatchObject({ kek_version: 2, key_space_id: defaultSpaceId });
    const after = await t.spaces.keyStatus(admin, 'default');
    expect(after.underMasterKey).toBe(0);
    expect(after.versions.map((v) => v.version)).toEqual([2]);
    expect(await usable(admin, 'older')).toBe('old-pw');
    // Another space's key did not move.
    expect((await t.spaces.keyStatus(admin, 'payments')).versions.map((v) => v.version)).toEqual([1]);
  });

  it("destroys a deleted space's keys: a copy of its values opens under no key left", async () => {
    const doomed = await t.secrets.create(admin, {
      type: 'password',
      name: 'doomed',
      space: 'shredded',
      fields: { password: 'shred-me' },
    });
    const copy = await versionOf(doomed.id);
    const result = await t.spaces.delete(admin, 'shredded');
    expect(result.secrets).toBe(1);
    expect(await rows('select 1 from space_keys where space_id = $1', [doomed.spaceId])).toEqual([]);
    const [entry] = await t.audit.query(systemPrincipal, { action: 'space.deleted' });
    expect(entry?.details).toMatchObject({ secrets: 1, keysDestroyed: 1 });
    // Neither the master key (every version) nor any space's key opens the copied data key.
    const candidates = [masterRing(), ...(await spaceRings()).map((s) => s.ring)];
    let opened = 0;
    for (const ring of candidates)
      for (const version of ring.knownVersions)
        try {
          unwrapDataKey(
            ring,
            { dataKey: copy.data_key, kekVersion: version },
            { secretId: doomed.id, version: copy.version },
          );
          opened++;
        } catch {}
    expect(candidates.length).toBeGreaterThan(2);
    expect(opened).toBe(0);
  });

  it('resumes an interrupted rotation to the same version', async () => {
    for (let i = 0; i < 6; i++)
      await t.secrets.create(admin, {
        type: 'password',
        name: `r-${i}`,
        space: 'resumed',
        fields: { password: `${i}` },
      });
    const interrupted = t.spaces.rotateKey(admin, 'resumed', {
      batchSize: 2,
      onProgress: () => {
        throw new Error('killed after the first batch');
      },
    });
    await expect(interrupted).rejects.toThrow(/killed after the first batch/);
    const midway = await t.spaces.keyStatus(admin, 'resumed');
    expect(midway.versions.map((v) => [v.version, v.dataKeys])).toEqual([
      [1, 4],
      [2, 2],
    ]);
    for (let i = 0; i < 6; i++) expect(await usable(admin, `resumed/r-${i}`)).toBe(`${i}`);
    expect(await t.spaces.rotateKey(admin, 'resumed')).toEqual({ version: 2, rewrapped: 4, retired: 1 });
  });

  it("lets the space's admins and KEY_ADMIN rotate; members are refused, strangers learn nothing", async () => {
    const member = await createUser(t, admin, 'member');
    const stranger = await createUser(t, admin, 'stranger');
    const keyAdmin = await createUser(t, admin, 'key-admin', ['KEY_ADMIN']);
    const spaceAdmin = await createUser(t, admin, 'space-admin');
    await t.spaces.setRole(admin, 'payments', { user: member.email }, 'member');
    await t.spaces.setRole(admin, 'payments', { user: spaceAdmin.email }, 'admin');

    expect(await outcomeOf(t.spaces.rotateKey(member, 'payments'))).toBe('ACCESS_DENIED');
    expect(await outcomeOf(t.spaces.rotateKey(stranger, 'payments'))).toBe('NOT_FOUND');
    expect(await outcomeOf(t.spaces.keyStatus(stranger, 'payments'))).toBe('NOT_FOUND');
    expect(await t.spaces.rotatesKey(member, (await t.spaces.get(admin, 'payments')).id)).toBe(false);
    expect((await t.spaces.keyStatus(member, 'payments')).currentVersion).toBe(1);

    expect((await t.spaces.rotateKey(spaceAdmin, 'payments')).version).toBe(2);
    expect((await t.spaces.rotateKey(keyAdmin, 'payments')).version).toBe(3);
    expect(await usable(admin, 'payments/psp')).toBe('psp-pw');
    // On the space's own trail: both rotations, and the member's refusal.
    const trail = (await t.spaces.audit(spaceAdmin, 'payments')).entries;
    expect(trail.filter((e) => e.action === 'space.key_rotated').map((e) => e.details)).toEqual([
      { version: 3, rewrapped: 1, retired: 1 },
      { version: 2, rewrapped: 1, retired: 1 },
    ]);
    expect(trail.some((e) => e.action === 'access.denied' && e.actorId === member.id)).toBe(true);
  });
});
