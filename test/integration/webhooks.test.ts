/**
 * Webhooks on change (issue "The life of a secret", part 2), on both databases, against a
 * real HTTPS receiver on loopback that checks every signature by hand.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { webhookStore } from '../../src/webhooks/webhook.store.ts';
import { databaseKinds, type TestTresor, type TwoNodes, testTresor, twoNodes } from '../support/databases.ts';
import { createUser } from '../support/principals.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const canary = 'CANARY-webhook-value-7c1e';
const hour = 3_600_000;

/** A key file (a source that can add versions, so the suite can rotate). */
function keyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tresor-webhook-keys-')), 'keys');
  writeFileSync(path, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return path;
}

describe.each(databaseKinds)('webhooks on %s', (kind) => {
  let t: TestTresor;
  let receiver: WebhookReceiver;
  /** Endpoints made by a test are removed after it, so each test sees only its own deliveries. */
  const made: string[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await testTresor(kind, {
      TRESOR_OUTBOUND_CA_FILE: receiver.caFile,
      TRESOR_WEBHOOK_MAX_ATTEMPTS: '3',
      TRESOR_MASTER_KEY: '',
      TRESOR_MASTER_KEY_FILE: keyFile(),
      TRESOR_TYPES_DIR: resolve(import.meta.dirname, '../fixtures/config-types'),
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    for (const id of made.splice(0)) await t.tresor.webhooks.remove(t.admin, id);
    receiver.received.length = 0;
    receiver.failNext(0);
  });

  async function endpoint(input: { events: string[]; types?: string[]; secrets?: string[]; path?: string }) {
    const { endpoint, signingSecret } = await t.tresor.webhooks.create(t.admin, {
      url: `${receiver.base}${input.path ?? '/hook'}`,
      events: input.events,
      ...(input.types ? { types: input.types } : {}),
      ...(input.secrets ? { secrets: input.secrets } : {}),
    });
    receiver.secrets.add(signingSecret);
    made.push(endpoint.id);
    return { endpoint, signingSecret };
  }

  it('signs and delivers every change of a secret, in order, with names and field names but never a value', async () => {
    const { signingSecret, endpoint: ep } = await endpoint({
      events: ['secret.created', 'secret.updated', 'secret.rolled_back', 'secret.shared', 'secret.unshared'],
    });
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const owner = await createUser(t.tresor, t.admin, 'hook-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
      'SECRET_MANAGEMENT_DELETE',
    ]);
    const reader = await createUser(t.tresor, t.admin, 'hook-reader');
    const s = await t.tresor.secrets.create(owner, { type: 'password', name: 'hooked', fields: { password: canary } });
    await t.tresor.secrets.update(owner, s.id, { fields: { password: `${canary}-2` }, description: 'changed' });
    await t.tresor.secrets.rollback(owner, s.id, 1);
    const share = await t.tresor.shares.share(owner, s.id, { user: reader.email });
    await t.tresor.shares.unshare(owner, s.id, share.id);
    // Nothing is sent inside the change: the outbox waits for the dispatcher.
    expect(receiver.received).toEqual([]);

    expect(await t.tresor.webhooks.deliver()).toEqual({ delivered: 5, retrying: 0, failed: 0 });
    const got = receiver.received;
    expect(got.map((r) => r.json.event)).toEqual([
      'secret.created',
      'secret.updated',
      'secret.rolled_back',
      'secret.shared',
      'secret.unshared',
    ]);
    for (const r of got) {
      expect(r.signedWith).toBe(signingSecret);
      expect(r.headers['tresor-event']).toBe(r.json.event);
      expect(r.headers['tresor-delivery']).toBe(r.json.id);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.json.data).toMatchObject({ secret: { id: s.id, name: 'hooked', type: 'password' } });
      expect(r.body).not.toContain(canary);
      expect(JSON.stringify(r.headers)).not.toContain(canary);
    }
    expect(new Set(got.map((r) => r.json.id)).size).toBe(5);
    expect(got[0]!.json.data).toMatchObject({ actor: { email: owner.email }, details: { version: 1 } });
    expect(got[1]!.json.data).toMatchObject({
      details: { version: 2, changedFields: ['password'], metadataChanged: true },
    });
    expect(got[3]!.json.data).toMatchObject({ details: { recipientKind: 'user', recipient: reader.email } });
    // Delivered rows are shown on the endpoint's page, and nothing is left to send.
    const deliveries = await t.tresor.webhooks.deliveries(t.admin, ep.id);
    expect(deliveries.map((d) => [d.state, d.attempts, d.lastStatus])).toEqual(
      Array.from({ length: 5 }, () => ['delivered', 1, 204]),
    );
    expect(await t.tresor.webhooks.deliver()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(5);
  });

  it('keeps the signing secret to itself: shown once, never in a listing, sealed in its row', async () => {
    const { endpoint: ep, signingSecret } = await endpoint({ events: ['secret.created'] });
    const listed = JSON.stringify([await t.tresor.webhooks.list(t.admin), await t.tresor.webhooks.get(t.admin, ep.id)]);
    expect(listed).not.toContain(signingSecret);
    expect(listed).not.toContain(signingSecret.slice(6));
    const row = await webhookStore.endpoint(t.tresor.database.db, ep.id);
    expect(row!.signingSecret.toString('latin1')).not.toContain(signingSecret.slice(6));
    const trail = JSON.stringify(await t.tresor.audit.query(t.admin, { limit: 50 }));
    expect(trail).toContain('webhook.created');
    expect(trail).not.toContain(signingSecret.slice(6));
  });

  it('answers a WEBHOOK_ADMIN filtering on a secret it may not read as on one that does not exist, on record', async () => {
    const hooks = await createUser(t.tresor, t.admin, 'hooks-only', ['WEBHOOK_ADMIN']);
    const owner = await createUser(t.tresor, t.admin, 'payroll-owner', ['SECRET_MANAGEMENT_CREATE']);
    await t.tresor.secrets.create(owner, { type: 'password', name: 'payroll-db', fields: { password: canary } });
    const answers: string[] = [];
    for (const name of ['payroll-db', 'no-such-secret']) {
      const error = await t.tresor.webhooks
        .create(hooks, { url: 'https://127.0.0.1:9/x', events: ['secret.updated'], secrets: [name] })
        .then(
          () => undefined,
          (e: { code: string; field: string; message: string }) => e,
        );
      answers.push(JSON.stringify([error?.code, error?.field, error?.message.replace(name, 'NAME')]));
    }
    expect(answers[0]).toBe(answers[1]);
    expect(answers[0]).toContain('VALIDATION_FAILED');
    const denied = await t.tresor.audit.query(t.admin, { actorId: hooks.id, action: 'access.denied', limit: 10 });
    expect(denied.some((d) => d.targetName === 'payroll-db')).toBe(true);
  });

  it('gives a trickling receiver one deadline, and delivers to the other endpoints meanwhile', async () => {
    const quick = await testTresor(kind, {
      TRESOR_OUTBOUND_CA_FILE: receiver.caFile,
      TRESOR_WEBHOOK_TIMEOUT_MS: '1000',
    });
    try {
      const slow = await quick.tresor.webhooks.create(quick.admin, {
        url: `${receiver.base}/trickle`,
        events: ['secret.created'],
      });
      const fast = await quick.tresor.webhooks.create(quick.admin, {
        url: `${receiver.base}/fast`,
        events: ['secret.created'],
      });
      receiver.secrets.add(fast.signingSecret);
      await quick.tresor.secrets.create(quick.admin, {
        type: 'password',
        name: 'trickled',
        fields: { password: canary },
      });
      const started = performance.now();
      await quick.tresor.webhooks.deliver();
      const took = performance.now() - started;
      process.stdout.write(
        `[figures] webhooks (${kind}): a run with one trickling receiver took ${Math.round(took)} ms\n`,
      );
      expect(receiver.received.map((r) => r.path)).toContain('/fast');
      const [held] = await quick.tresor.webhooks.deliveries(quick.admin, slow.endpoint.id);
      // Node's idle timeout never fired (a byte every 300 ms): the deadline for the whole answer did.
      expect(held?.lastError).toMatch(/within 1000 ms/);
      expect(held?.state).toBe('pending');
    } finally {
      await quick.close();
    }
  });

  it('sends an endpoint only the events, types and secrets it asked for', async () => {
    const passwords = await endpoint({ events: ['secret.created', 'secret.deleted'], types: ['password'], path: '/p' });
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'only-this', fields: { password: canary } });
    const single = await endpoint({ events: ['secret.updated', 'secret.used'], secrets: ['only-this'], path: '/s' });
    const other = await t.tresor.secrets.create(t.admin, {
      type: 'api-key',
      name: 'not-a-password',
      fields: { key: 'k' },
    });
    await t.tresor.secrets.update(t.admin, 'only-this', { fields: { password: `${canary}-b` } });
    await t.tresor.secrets.update(t.admin, other.id, { fields: { key: 'k2' } });
    await t.tresor.use(Password, t.admin, 'only-this', { module: 'hook-test' });
    await t.tresor.secrets.delete(t.admin, 'only-this');
    await t.tresor.secrets.delete(t.admin, other.id);
    await t.tresor.webhooks.deliver();
    const seen = receiver.received.map(
      (r) => `${r.path} ${r.json.event} ${String((r.json.data.secret as { name: string }).name)}`,
    );
    expect(seen.sort()).toEqual(
      [
        '/p secret.created only-this',
        '/p secret.deleted only-this',
        '/s secret.updated only-this',
        '/s secret.used only-this',
      ].sort(),
    );
    const used = receiver.received.find((r) => r.json.event === 'secret.used')!;
    expect(used.json.data).toMatchObject({ module: 'hook-test', details: { type: 'password' } });
    expect(used.signedWith).toBe(single.signingSecret);
    expect(receiver.received.find((r) => r.path === '/p')!.signedWith).toBe(passwords.signingSecret);
  });

  it('writes deliveries in the change’s own transaction: a change that rolls back is never announced', async () => {
    await endpoint({ events: ['secret.created', 'secret.deleted'] });
    await t.tresor.secrets.create(t.admin, {
      type: 'jira',
      name: 'hook-jira',
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canary },
    });
    await t.tresor.secrets.create(t.admin, {
      type: 'jira-integration',
      name: 'hook-jira-config',
      fields: { credential: 'hook-jira', project: 'OPS' },
    });
    // Refused after its audit row was appended (the reference check rides on the delete): rolled back whole.
    await expect(t.tresor.secrets.delete(t.admin, 'hook-jira')).rejects.toMatchObject({ code: 'CONFLICT' });
    await t.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => r.json.event)).toEqual(['secret.created', 'secret.created']);
  });

  it('retries a failing endpoint with back-off, gives up after the attempts allowed, and sends again on request', async () => {
    const { endpoint: ep } = await endpoint({ events: ['secret.created'] });
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'retried', fields: { password: canary } });
    receiver.failNext(1, 503);
    const start = Date.now();
    expect(await t.tresor.webhooks.deliver()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    let [d] = await t.tresor.webhooks.deliveries(t.admin, ep.id);
    expect(d).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastStatus: 503,
      lastError: 'The endpoint answered HTTP 503',
    });
    // Not due again before its back-off (30 s ± 20 %), due after it.
    expect(d!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(start + 24_000);
    expect(await t.tresor.webhooks.deliver()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(await t.tresor.webhooks.deliver({ now: new Date(Date.now() + hour) })).toEqual({
      delivered: 1,
      retrying: 0,
      failed: 0,
    });
    [d] = await t.tresor.webhooks.deliveries(t.admin, ep.id);
    expect(d).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 204 });

    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'given-up', fields: { password: canary } });
    receiver.failNext(3, 500);
    let later = Date.now();
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      later += 7 * hour;
      outcomes.push(await t.tresor.webhooks.deliver({ now: new Date(later) }));
    }
    expect(outcomes).toEqual([
      { delivered: 0, retrying: 1, failed: 0 },
      { delivered: 0, retrying: 1, failed: 0 },
      { delivered: 0, retrying: 0, failed: 1 },
    ]);
    [d] = await t.tresor.webhooks.deliveries(t.admin, ep.id);
    expect(d).toMatchObject({ state: 'failed', attempts: 3, lastStatus: 500, secretName: 'given-up' });
    expect((await t.tresor.webhooks.get(t.admin, ep.id)).deliveries).toEqual({ pending: 0, delivered: 1, failed: 1 });
    expect(await t.tresor.webhooks.deliver({ now: new Date(later + 7 * hour) })).toEqual({
      delivered: 0,
      retrying: 0,
      failed: 0,
    });
    await t.tresor.webhooks.redeliver(t.admin, ep.id, d!.id);
    expect(await t.tresor.webhooks.deliver()).toMatchObject({ delivered: 1 });
    expect(receiver.received.map((r) => (r.json.data.secret as { name: string }).name)).toEqual([
      'retried',
      'given-up',
    ]);
  });

  it('sends a delivery claimed by a node that died once its lease lapses, and never while it holds', async () => {
    const { endpoint: ep } = await endpoint({ events: ['secret.created'] });
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'orphaned', fields: { password: canary } });
    const now = new Date();
    // A node claims it and dies before sending (nothing marks it).
    const claimed = await webhookStore.claimDue(t.tresor.database.db, now, new Date(now.getTime() + 60_000), 10);
    expect(claimed.map((c) => c.endpointId)).toEqual([ep.id]);
    expect(await t.tresor.webhooks.deliver({ now: new Date(now.getTime() + 30_000) })).toMatchObject({ delivered: 0 });
    expect(receiver.received).toHaveLength(0);
    expect(await t.tresor.webhooks.deliver({ now: new Date(now.getTime() + 61_000) })).toMatchObject({ delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const [d] = await t.tresor.webhooks.deliveries(t.admin, ep.id);
    expect(d).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('signs with the new secret once it is replaced, and opens it after a key rotation', async () => {
    const { endpoint: ep, signingSecret: first } = await endpoint({ events: ['secret.created'] });
    const { signingSecret: second } = await t.tresor.webhooks.rotateSecret(t.admin, ep.id);
    receiver.secrets.add(second);
    expect(second).not.toBe(first);
    const before = await t.tresor.keys.status({ kind: 'system' });
    expect((await t.tresor.keys.rotate({ kind: 'system' })).remaining).toBe(0);
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'after-rotation', fields: { password: canary } });
    await t.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => r.signedWith)).toEqual([second]);
    // Every older key version is retired: the signing secret moved to the new one too.
    const keys = await t.tresor.keys.status({ kind: 'system' });
    expect(keys.currentVersion).toBe(before.currentVersion + 1);
    expect(keys.versions.filter((v) => v.retiredAt === null).map((v) => v.version)).toEqual([keys.currentVersion]);
  });

  it('queues nothing for a disabled endpoint, and keeps its waiting deliveries until it is enabled again', async () => {
    const { endpoint: ep } = await endpoint({ events: ['secret.created'] });
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'while-enabled', fields: { password: canary } });
    await t.tresor.webhooks.update(t.admin, ep.id, { enabled: false });
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'while-disabled', fields: { password: canary } });
    expect(await t.tresor.webhooks.deliver()).toMatchObject({ delivered: 0 });
    await t.tresor.webhooks.update(t.admin, ep.id, { enabled: true });
    await t.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => (r.json.data.secret as { name: string }).name)).toEqual(['while-enabled']);
  });

  it('refuses bad endpoints naming the field, and changes nothing', async () => {
    const before = (await t.tresor.webhooks.list(t.admin)).length;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ url: 'http://127.0.0.1/hook', events: ['secret.created'] }, 'url', /Only https/],
      [{ url: 'https://10.1.2.3/hook', events: ['secret.created'] }, 'url', /private, loopback or link-local/],
      [{ url: 'https://user:pw@127.0.0.1/hook', events: ['secret.created'] }, 'url', /no user or password/],
      [{ url: 'not a url', events: ['secret.created'] }, 'url', /Not a URL/],
      [{ url: `${receiver.base}/x`, events: [] }, 'events', /at least one/],
      [{ url: `${receiver.base}/x`, events: ['secret.exploded'] }, 'events', /No event "secret.exploded"/],
      [{ url: `${receiver.base}/x`, events: ['secret.created'], types: ['nope'] }, 'types', /No credential type/],
      [{ url: `${receiver.base}/x`, events: ['secret.created'], secrets: ['ghost'] }, 'secrets', /No secret "ghost"/],
    ];
    for (const [input, field, message] of cases) {
      const error = await t.tresor.webhooks.create(t.admin, input as { url: string; events: string[] }).then(
        () => undefined,
        (e: unknown) => e as { code: string; field: string; message: string },
      );
      expect(error, JSON.stringify(input)).toMatchObject({ code: 'VALIDATION_FAILED', field });
      expect(error!.message).toMatch(message);
    }
    expect(await t.tresor.webhooks.list(t.admin)).toHaveLength(before);
  });

  it('is for WEBHOOK_ADMIN holders only, and refusals are audited', async () => {
    const plain = await createUser(t.tresor, t.admin, 'hook-plain', ['SECRET_MANAGEMENT', 'AUDIT_READ']);
    const { endpoint: ep } = await endpoint({ events: ['secret.created'] });
    const attempts = [
      () => t.tresor.webhooks.list(plain),
      () => t.tresor.webhooks.get(plain, ep.id),
      () => t.tresor.webhooks.create(plain, { url: `${receiver.base}/x`, events: ['secret.created'] }),
      () => t.tresor.webhooks.update(plain, ep.id, { enabled: false }),
      () => t.tresor.webhooks.rotateSecret(plain, ep.id),
      () => t.tresor.webhooks.remove(plain, ep.id),
      () => t.tresor.webhooks.deliveries(plain, ep.id),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    const denied = await t.tresor.audit.query(t.admin, { action: 'access.denied', actorId: plain.id, limit: 20 });
    expect(denied.length).toBeGreaterThanOrEqual(attempts.length);
    expect((await t.tresor.webhooks.get(t.admin, ep.id)).enabled).toBe(true);
    const admin = await t.tresor.users.whoami(t.admin);
    expect(admin.permissions).toContain('WEBHOOK_ADMIN');
  });
});

describe.runIf(databaseKinds.includes('postgres'))('webhooks with two nodes on one PostgreSQL', () => {
  let receiver: WebhookReceiver;
  let two: TwoNodes;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    two = await twoNodes({ TRESOR_OUTBOUND_CA_FILE: receiver.caFile });
  });
  afterAll(async () => {
    await two?.close();
    await receiver?.close();
  });

  it('sends each delivery once while both nodes dispatch at the same time', async () => {
    const [a, b] = two.nodes;
    const { admin } = two;
    const { signingSecret } = await a.webhooks.create(admin, {
      url: `${receiver.base}/two`,
      events: ['secret.created'],
    });
    receiver.secrets.add(signingSecret);
    for (let i = 0; i < 40; i++)
      await (i % 2 ? a : b).secrets.create(admin, { type: 'password', name: `two-${i}`, fields: { password: canary } });
    // One run per node (a second call on one node would join that node's run).
    const runs = await Promise.all([a.webhooks.deliver(), b.webhooks.deliver()]);
    expect(runs.reduce((sum, r) => sum + r.delivered, 0)).toBe(40);
    const names = receiver.received.map((r) => (r.json.data.secret as { name: string }).name);
    expect(names).toHaveLength(40);
    expect(new Set(names).size).toBe(40);
    expect(receiver.received.every((r) => r.signedWith === signingSecret)).toBe(true);
  });
});
