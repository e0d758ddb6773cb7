/**
 * A listening connection that goes silent without closing (a half-open link: the socket
 * stays open, nothing arrives, and it may never close). Node B listens through a proxy that
 * can freeze its open connections; B's heartbeat must notice the silence, drop B's caches and
 * make B serve uncached — so a change on A is seen on B although B never got the notice —
 * then give up on the dead link, listen on a new one and cache again, without any help.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { converges } from '../support/converges.ts';
import { createAdmin, createPostgresDatabase, postgresUrl, testConfig } from '../support/databases.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

describe.skipIf(!postgresUrl)('a listening connection that goes silent', () => {
  const heartbeatMs = 100;
  let drop: () => Promise<void>;
  let proxy: TcpProxy;
  let a: Tresor;
  let b: Tresor;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    const target = new URL(db.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const throughProxy = new URL(db.url);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    const env = {
      DATABASE_URL: db.url,
      TRESOR_MASTER_KEY: testConfig().masterKey!,
      TRESOR_CACHE_TTL_MS: '600000',
      TRESOR_BUS_HEARTBEAT_MS: String(heartbeatMs),
    };
    a = await createTresor(testConfig(env), { logger: createLogger('silent'), nodeName: 'tresor-listen-A' });
    // Only B's listening connection goes through the proxy; its pool talks to PostgreSQL directly.
    b = await createTresor(testConfig({ ...env, TRESOR_LISTEN_URL: throughProxy.toString() }), {
      logger: createLogger('silent'),
      nodeName: 'tresor-listen-B',
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
    await drop?.();
  });

  it('notices the silence within a few heartbeats, serves uncached meanwhile, then listens on a new link and caches again', async () => {
    const admin = await createAdmin(a);
    const s = await a.secrets.create(admin, { type: 'password', name: 'silent-link', fields: { password: 'before' } });
    expect((await b.use(Password, admin, s.id)).value.password).toBe('before');
    // On a busy machine a heartbeat may come back late at first (three missed make the bus
    // "down" for a moment): wait for it to be healthy rather than catch it at one instant.
    await converges(async () => b.bus.healthy, 100 * heartbeatMs);
    expect(b.bus.healthy).toBe(true);
    expect(proxy.open).toBe(1);

    proxy.freeze();
    await a.secrets.update(admin, s.id, { fields: { password: 'during' } });
    // The notice is stuck on the dead link; B sees the change only because its heartbeat stopped coming back.
    const noticed = await converges(async () => !b.bus.healthy, 20 * heartbeatMs);
    process.stdout.write(
      `[figures] silent listening link noticed after ${Math.round(noticed)} ms (heartbeat ${heartbeatMs} ms, down after 3 missed)\n`,
    );
    expect((await b.use(Password, admin, s.id)).value.password).toBe('during');

    // The dead link is never thawed: B replaces it by itself.
    const recovered = await converges(async () => b.bus.healthy, 40 * heartbeatMs);
    process.stdout.write(`[figures] listening again on a new link ${Math.round(recovered)} ms later\n`);
    await a.secrets.update(admin, s.id, { fields: { password: 'after' } });
    await converges(async () => (await b.use(Password, admin, s.id)).value.password === 'after', 1000);
    // Caching again, and kept correct by notices on the new link.
    const hitsBefore = b.cache.stats.hits;
    await b.use(Password, admin, s.id);
    expect(b.cache.stats.hits).toBeGreaterThan(hitsBefore);
    await a.secrets.update(admin, s.id, { fields: { password: 'last' } });
    await converges(async () => (await b.use(Password, admin, s.id)).value.password === 'last', 1000);
  }, 30_000);

  it('keeps trying while every new link hangs too, and listens again once the network mends', async () => {
    const admin = await createAdmin(a);
    const s = await a.secrets.create(admin, { type: 'password', name: 'dead-network', fields: { password: 'before' } });
    expect((await b.use(Password, admin, s.id)).value.password).toBe('before');
    await converges(async () => b.bus.healthy, 20 * heartbeatMs);

    proxy.cut();
    await converges(async () => !b.bus.healthy, 20 * heartbeatMs);
    // Long enough for the first replacement link to hang and be given up (after ten beats).
    await sleep(15 * heartbeatMs);
    await a.secrets.update(admin, s.id, { fields: { password: 'during' } });
    expect((await b.use(Password, admin, s.id)).value.password).toBe('during');
    expect(b.bus.healthy).toBe(false);

    proxy.mend();
    await converges(async () => b.bus.healthy, 30 * heartbeatMs);
    await a.secrets.update(admin, s.id, { fields: { password: 'after' } });
    await converges(async () => (await b.use(Password, admin, s.id)).value.password === 'after', 1000);
  }, 30_000);
});
