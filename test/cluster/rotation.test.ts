/**
 * Key rotation while nodes run: two nodes share one PostgreSQL database and one key file;
 * a third process (as `tresor keys rotate` would) rotates. Every node hears of it on the
 * change bus, reloads its key ring and wraps new data keys with the new version at once;
 * the old version is retired only once no row uses it; nothing is unreadable; and a node
 * whose key source lacks the new version refuses to seal rather than use the old one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
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

  const kekOf = async (t: Tresor, id: string) =>
    (
      (await t.database.raw.query<{ kek_version: number }>(
        'select kek_version from secret_versions where secret_id = $1 order by version desc limit 1',
        [id],
      )) as [{ kek_version: number }]
    )[0].kek_version;

  it('moves every node to the new version at once and retires the old only when no row uses it', async () => {
    const admin = await createAdmin(a);
    const before = [];
    for (let i = 0; i < 10; i++)
      before.push(await b.secrets.create(admin, { type: 'password', name: `pre-${i}`, fields: { password: `p${i}` } }));
    expect(await kekOf(b, before[0]!.id)).toBe(1);

    const result = await rotator.keys.rotate(systemPrincipal);
    expect(result.targetVersion).toBe(2);
    // B heard of it: its next data key is wrapped with v2, without a restart.
    await converges(async () => (await b.keys.status(systemPrincipal)).currentVersion === 2, 5000);
    const after = await b.secrets.create(admin, {
      type: 'password',
      name: 'post-rotation',
      fields: { password: 'new' },
    });
    expect(await kekOf(b, after.id)).toBe(2);
    const fromA = await a.secrets.create(admin, {
      type: 'password',
      name: 'post-rotation-a',
      fields: { password: 'new' },
    });
    expect(await kekOf(a, fromA.id)).toBe(2);

    const status = await rotator.keys.status(systemPrincipal);
    const v1 = status.versions.find((v) => v.version === 1)!;
    expect(v1.dataKeys).toBe(0);
    expect(v1.retiredAt).not.toBeNull();
    // Nothing is unreadable on either node.
    let unreadable = 0;
    for (const s of [...before, after, fromA])
      for (const node of [a, b])
        if (
          !(await node.use(Password, admin, s.id).then(
            () => true,
            () => false,
          ))
        )
          unreadable++;
    process.stdout.write(
      `[figures] rotation with 2 nodes running: 0 rows wrapped with a retired version expected, ${v1.dataKeys} found; ${unreadable} unreadable\n`,
    );
    expect(unreadable).toBe(0);
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
