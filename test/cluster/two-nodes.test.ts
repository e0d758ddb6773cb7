/**
 * Two Tresor nodes on one PostgreSQL database, each with its own connection pool, listening
 * connection and caches: a change on A is seen by B's use() and API at once, without restart,
 * even after B's listening connection is killed from the database side.
 */

import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { buildApp } from '../../src/web/app.ts';
import { converges } from '../support/converges.ts';
import { createAdmin, createPostgresDatabase, postgresUrl, testConfig } from '../support/databases.ts';
import { createGroup, createUser } from '../support/principals.ts';

const gives = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );

describe.skipIf(!postgresUrl)('two nodes on one PostgreSQL', () => {
  let drop: () => Promise<void>;
  let url: string;
  let a: Tresor;
  let b: Tresor;
  let bApp: FastifyInstance;
  const latencies: Record<string, number> = {};

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    url = db.url;
    const env = { DATABASE_URL: url, TRESOR_MASTER_KEY: testConfig().masterKey!, TRESOR_CACHE_TTL_MS: '600000' };
    a = await createTresor(testConfig(env), { logger: createLogger('silent'), nodeName: 'tresor-listen-A' });
    b = await createTresor(testConfig(env), { logger: createLogger('silent'), nodeName: 'tresor-listen-B' });
    bApp = await buildApp(b);
    await bApp.ready();
  });
  afterAll(async () => {
    process.stdout.write(
      `[figures] cluster convergence A→B (ms): ${JSON.stringify(Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, Math.round(v * 10) / 10])))}\n`,
    );
    await bApp?.close();
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it("sees an update made on A in B's use() and API, with B's cache warm", async () => {
    const admin = await createAdmin(a);
    const s = await a.secrets.create(admin, {
      type: 'password',
      name: 'shared-db',
      fields: { username: 'u', password: 'one' },
    });
    const token = (await b.sessions.createToken(admin, { name: 'b' })).token;
    // Warm B: its cache now holds the row, the access facts and the sealed version.
    expect((await b.use(Password, admin, s.id)).value.password).toBe('one');
    expect(
      (await bApp.inject({ url: `/api/v1/secrets/${s.id}`, headers: { authorization: `Bearer ${token}` } })).json()
        .fields.username,
    ).toBe('u');
    expect(b.cache.stats.hits).toBeGreaterThan(0);
    await a.secrets.update(admin, s.id, { fields: { username: 'v', password: 'two' } });
    latencies.update = await converges(async () => (await b.use(Password, admin, s.id)).value.password === 'two');
    expect(
      (await bApp.inject({ url: `/api/v1/secrets/${s.id}`, headers: { authorization: `Bearer ${token}` } })).json()
        .fields.username,
    ).toBe('v');
  });

  it("ends a user's tokens on B as soon as A has reset the password or disabled the user (no stale cached token)", async () => {
    const admin = await createAdmin(a);
    const trials = 6;
    let stale = 0;
    for (let i = 0; i < trials; i++) {
      const user = await createUser(a, admin, `revoked-${i}`);
      const token = (await b.sessions.createToken(user, { name: 'b' })).token;
      const me = () => bApp.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
      // B has the live token cached.
      expect((await me()).statusCode).toBe(200);
      expect((await me()).statusCode).toBe(200);
      // A password set on the host (local mode) ends sessions and tokens as a link's does.
      if (i % 2 === 0) await a.users.setPassword(systemPrincipal, user.id, 'reset by the operator');
      else await a.users.setDisabled(admin, user.id, true);
      latencies.revocation = await converges(async () => (await me()).statusCode === 401);
      // Once refused, never accepted again (the revocation was committed before the notice).
      for (let k = 0; k < 5; k++) if ((await me()).statusCode !== 401) stale++;
    }
    expect(stale).toBe(0);
  });

  it('reads its own write on B at once with X-Tresor-After (0 stale in every trial), over HTTP', async () => {
    const admin = await createAdmin(a);
    const aApp = await buildApp(a);
    await aApp.ready();
    try {
      const token = (await a.sessions.createToken(admin, { name: 'rw' })).token;
      const auth = { authorization: `Bearer ${token}` };
      const s = await a.secrets.create(admin, { type: 'password', name: 'read-own', fields: { password: 'p' } });
      const trials = 30;
      let staleWith = 0;
      let staleWithout = 0;
      for (let i = 0; i < trials; i++) {
        // B's cache is warm before each write.
        await bApp.inject({ url: `/api/v1/secrets/${s.id}`, headers: auth });
        const write = await aApp.inject({
          method: 'PATCH',
          url: `/api/v1/secrets/${s.id}`,
          headers: auth,
          payload: { description: `d${i}` },
        });
        expect(write.statusCode).toBe(200);
        const change = write.headers['x-tresor-change'];
        expect(typeof change).toBe('string');
        const without = await bApp.inject({ url: `/api/v1/secrets/${s.id}`, headers: auth });
        if (without.json().description !== `d${i}`) staleWithout++;
        const withHeader = await bApp.inject({
          url: `/api/v1/secrets/${s.id}`,
          headers: { ...auth, 'x-tresor-after': String(change) },
        });
        if (withHeader.json().description !== `d${i}`) staleWith++;
      }
      process.stdout.write(
        `[figures] first read on B right after A's 200: ${staleWithout}/${trials} stale without X-Tresor-After, ${staleWith}/${trials} with it\n`,
      );
      expect(staleWith).toBe(0);
    } finally {
      await aApp.close();
    }
  });

  it('sees a share removal, a membership removal and a user disable made on A', async () => {
    const admin = await createAdmin(a);
    const friend = await createUser(a, admin, 'node-friend');
    const team = await createGroup(a, admin, 'node-team');
    const member = await createUser(a, admin, 'node-member', [], [team.name]);
    const s = await a.secrets.create(admin, { type: 'password', name: 'gated', fields: { password: 'p' } });
    const share = await a.shares.share(admin, s.id, { user: friend.email });
    await a.shares.share(admin, s.id, { group: team.name });
    expect(await gives(b.use(Password, friend, s.id))).toBe(true);
    expect(await gives(b.use(Password, member, s.id))).toBe(true);

    expect((await b.secrets.list(friend)).map((x) => x.name)).toContain('gated'); // B's listing cache is warm too
    await a.shares.unshare(admin, s.id, share.id);
    latencies.unshare = await converges(async () => !(await gives(b.use(Password, friend, s.id))));
    expect((await b.secrets.list(friend)).map((x) => x.name)).not.toContain('gated');
    await a.groups.removeMember(admin, team.name, member.id);
    latencies.membership = await converges(async () => !(await gives(b.use(Password, member, s.id))));
    expect(await gives(b.use(Password, admin, s.id))).toBe(true);
    await a.users.setDisabled(admin, admin.kind === 'user' ? admin.id : '', true).catch(() => undefined); // an admin cannot disable itself
    const other = await createAdmin(a);
    expect(await gives(b.use(Password, admin, s.id))).toBe(true);
    await a.users.setDisabled(other, admin.kind === 'user' ? admin.id : '', true);
    latencies.disable = await converges(async () => !(await gives(b.use(Password, admin, s.id))));
  });

  it('keeps one verifiable audit trail while both nodes use and change at once, spread over lanes', async () => {
    const admin = await createAdmin(a);
    const s = await a.secrets.create(admin, { type: 'password', name: 'busy-audit', fields: { password: 'p' } });
    await Promise.all([
      ...Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).use(Password, admin, s.id)),
      ...Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).secrets.create(admin, { type: 'password', name: `busy-audit-${i}`, fields: { password: 'p' } }),
      ),
    ]);
    expect(await b.audit.verify(admin)).toMatchObject({ ok: true });
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const lanes = await sql<
      { lane: number }[]
    >`select distinct lane from audit_events where target_id = ${s.id} and action = 'secret.used'`;
    const [used] = await sql<
      { count: number }[]
    >`select count(*)::int as count from audit_events where target_id = ${s.id} and action = 'secret.used'`;
    await sql.end();
    expect(used!.count).toBe(80);
    // Two nodes with two batches in flight each: their appends did not all queue on one lane.
    expect(lanes.length).toBeGreaterThan(1);
  });

  it('drops its caches and still converges when its listening connection is killed from the database side', async () => {
    const admin = await createAdmin(a);
    const s = await a.secrets.create(admin, { type: 'password', name: 'after-kill', fields: { password: 'before' } });
    expect((await b.use(Password, admin, s.id)).value.password).toBe('before');
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const killed =
      await sql`select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'tresor-listen-B'`;
    await sql.end();
    expect(killed.length).toBe(1);
    // While it reconnects, B serves uncached (correct), and once listening again it is back to caching.
    await a.secrets.update(admin, s.id, { fields: { password: 'after' } });
    latencies.afterKill = await converges(
      async () => (await b.use(Password, admin, s.id)).value.password === 'after',
      5000,
    );
    await converges(async () => b.bus.healthy, 10_000);
    await a.secrets.update(admin, s.id, { fields: { password: 'again' } });
    latencies.afterReconnect = await converges(
      async () => (await b.use(Password, admin, s.id)).value.password === 'again',
    );
  }, 30_000);
});
