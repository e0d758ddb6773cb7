/** The load balancer's probes: alive, ready (database reachable), and the change bus's state beside it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';

describe.each(databaseKinds)('probes on %s', (kind) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp(kind);
  });
  afterAll(() => h?.close());

  it('answers /healthz without a token', async () => {
    const res = await h.request({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready with the database reachable and says the change bus is listening', async () => {
    const res = await h.request({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', changeBus: 'listening' });
  });

  it('stays ready when its change bus is down, and says it serves uncached', async () => {
    await h.tresor.bus.stop();
    const res = await h.request({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', changeBus: 'down: serving uncached' });
  });

  it('is not ready (503) once the database is gone', async () => {
    await h.tresor.database.close();
    const res = await h.request({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'database unavailable' });
  });
});
