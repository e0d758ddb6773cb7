/**
 * Key rotation while nodes run: two nodes share one PostgreSQL database and one key file;
 * a third process (as `tresor keys rotate` or `tresor spaces rotate-key` would) rotates. Every
 * node hears of it on the change bus and moves to the new version at once; an old version goes
 * only once no row uses it; nothing is unreadable; and a node whose key source lacks the new
 * master version refuses to seal rather than use the old one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { defaultSpaceId } from '../../src/db/schema/spaces.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { converges } from '../support/converges.ts';
import { createAdmin, createPostgresDatabase, postgresUrl, testConfig } from '../support/databases.ts';

describe.skipIf(!postgresUrl)('key rotation with nodes running', () => {
  let drop: () => Promise<void>;
  let a: Tresor;
  let b: Tresor;
  let rotator: Tresor;
  let env: Record<string, string>;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    const keyFile = join(mkdtempSync(join(tmpdir(), 'tresor-rot-')), 'master.key');
    writeFileSync(keyFile, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    env = {
      DATABASE_URL: db.url,
      TRESOR_MASTER_KEY: '',
      TRESOR_MASTER_KEY_FILE: keyFile,
      TRESOR_BUS_HEARTBEAT_MS: '100',
    };
    a = await createTresor(testConfig(env), { logger: createLogger('silent'), nodeName: 'rot-A' });
    b = await createTresor(testConfig(env), { logger: createLogger('silent'), nodeName: 'rot-B' });
    rotator = await createTresor(testConfig(env), { logger: createLogger('silent'), nodeName: 'rot-CLI' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await rotator?.close();
    await drop?.();
  });

  /** What wraps the newest version's data key of a secret: a space key version (or a master version). */
  const wrapOf = async (t: Tresor, id: string) =>
    (
      (await t.database.raw.query<{ kek_version: number; key_space_id: string | null }>(
        'select kek_version, key_space_id from secret_versions where secret_id = $1 order by version desc limit 1',
        [id],
      )) as [{ kek_version: number; key_space_id: string | null }]
    )[0];
  /** The master key version that wraps the default space's key versions. */
  const spaceKeyWraps = async (t: Tresor) =>
    (
      (await t.database.raw.query<{ version: number; kek_version: number }>(
        'select version, kek_version from space_keys where space_id = $1 order by version',
        [defaultSpaceId],
      )) as { version: number; kek_version: number }[]
    ).map((r) => [r.version, r.kek_version]);
  const unreadableOn = async (nodes: Tresor[], admin: Principal, ids: string[]) => {
    let unreadable = 0;
    for (const id of ids)
      for (const node of nodes)
        if (
          !(await node.use(Password, admin, id).then(
            () => true,
            () => false,
          ))
        )
          unreadable++;
    return unreadable;
  };

  it('a master rotation re-wraps the space keys: every node moves to the new version, the old retires', async () => {
    const admin = await createAdmin(a);
    const before = [];
    for (let i = 0; i < 10; i++)
      before.push(await b.secrets.create(admin, { type: 'password', name: `pre-${i}`, fields: { password: `p${i}` } }));
    expect(await wrapOf(b, before[0]!.id)).toEqual({ kek_version: 1, key_space_id: defaultSpaceId });
    expect(await spaceKeyWraps(b)).toEqual([[1, 1]]);

    const result = await rotator.keys.rotate(systemPrincipal);
    // One space key re-wrapped, not every data key: those stay under the space's key.
    expect(result).toEqual({ targetVersion: 2, rewrapped: 1, remaining: 0 });
    expect(await spaceKeyWraps(b)).toEqual([[1, 2]]);
    expect(await wrapOf(b, before[0]!.id)).toEqual({ kek_version: 1, key_space_id: defaultSpaceId });
    // B heard of it: it opens the space key with v2, without a restart, and keeps sealing under it.
    await converges(async () => (await b.keys.status(systemPrincipal)).currentVersion === 2, 5000);
    const after = await b.secrets.create(admin, { type: 'password', name: 'post-rotation', fields: { password: 'n' } });
    const fromA = await a.secrets.create(admin, {
      type: 'password',
      name: 'post-rotation-a',
      fields: { password: 'n' },
    });
    expect(await wrapOf(a, fromA.id)).toEqual({ kek_version: 1, key_space_id: defaultSpaceId });

    const status = await rotator.keys.status(systemPrincipal);
    const v1 = status.versions.find((v) => v.version === 1)!;
    expect(v1.dataKeys).toBe(0);
    expect(v1.retiredAt).not.toBeNull();
    const unreadable = await unreadableOn(
      [a, b],
      admin,
      [...before, after, fromA].map((s) => s.id),
    );
    process.stdout.write(
      `[figures] master rotation with 2 nodes running: ${result.rewrapped} space key re-wrapped; ${unreadable} unreadable\n`,
    );
    expect(unreadable).toBe(0);
  }, 60_000);

  it("a space's rotation moves every node to its new key version; the old is deleted once no value uses it", async () => {
    const admin = await createAdmin(a, 'space-rotation@example.test');
    const before = [];
    for (let i = 0; i < 5; i++)
      before.push(await a.secrets.create(admin, { type: 'password', name: `sk-${i}`, fields: { password: `s${i}` } }));
    // B opens them first: its ring of the space is cached when the rotation starts.
    expect(
      await unreadableOn(
        [b],
        admin,
        before.map((s) => s.id),
      ),
    ).toBe(0);

    const rotation = await rotator.spaces.rotateKey(systemPrincipal, 'default');
    expect(rotation.version).toBe(2);
    expect(rotation.retired).toBe(1);
    expect((await spaceKeyWraps(a)).map(([version]) => version)).toEqual([2]);
    const made = await b.secrets.create(admin, { type: 'password', name: 'sk-after', fields: { password: 'a' } });
    expect(await wrapOf(b, made.id)).toEqual({ kek_version: 2, key_space_id: defaultSpaceId });
    expect(await wrapOf(b, before[0]!.id)).toEqual({ kek_version: 2, key_space_id: defaultSpaceId });
    expect(
      await unreadableOn(
        [a, b],
        admin,
        [...before, made].map((s) => s.id),
      ),
    ).toBe(0);
  }, 60_000);

  it('a node whose key source lacks the newest version refuses to seal, naming the setting', async () => {
    const db = await createPostgresDatabase();
    try {
      const key1 = `v1:${randomBytes(32).toString('base64')}`;
      const key2 = `v2:${randomBytes(32).toString('base64')}`;
      const base = { DATABASE_URL: db.url, TRESOR_MASTER_KEY_FILE: '' };
      const old = await createTresor(testConfig({ ...base, TRESOR_MASTER_KEY: key1 }), {
        logger: createLogger('silent'),
      });
      const admin = await createAdmin(old);
      await old.secrets.create(admin, { type: 'password', name: 'on-v1', fields: { password: 'x' } });
      const moved = await createTresor(testConfig({ ...base, TRESOR_MASTER_KEY: `${key1},${key2}` }), {
        logger: createLogger('silent'),
      });
      await moved.keys.rotate(systemPrincipal);
      // Once the notice arrives, the old node refuses to seal with v1.
      let n = 0;
      let refusal: { code?: string; field?: string } | undefined;
      await converges(async () => {
        refusal = await old.secrets
          .create(admin, { type: 'password', name: `stale-node-${n++}`, fields: { password: 'x' } })
          .then(
            () => undefined,
            (e: { code?: string; field?: string }) => e,
          );
        return refusal !== undefined;
      }, 5000);
      expect(refusal).toMatchObject({ code: 'CONFIG_INVALID', field: 'TRESOR_MASTER_KEY' });
      await old.close();
      await moved.close();
    } finally {
      await db.drop();
    }
  }, 60_000);
});
