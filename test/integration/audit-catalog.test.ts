/**
 * The audit catalog (src/audit/audit-catalog.ts) is what the database's webhook trigger does:
 * the same actions, turned into the same events; and `secret.expiring` — delivered from the
 * expiry notice's row — reaches a real receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookActions } from '../../src/audit/audit-catalog.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { relaySecretFields, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

describe.each(databaseKinds)('the audit catalog on %s', (kind) => {
  let t: TestTresor;
  let smtp: TestSmtpServer;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    smtp = await startSmtpServer('none', { username: 'notices', password: 'relay-password' });
    t = await testTresor(kind, { TRESOR_OUTBOUND_CA_FILE: receiver.caFile });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await receiver?.close();
  });

  it("matches the webhook trigger's actions and events in the database", async () => {
    const [row] = await t.database.handle.raw.query<{ body: string }>(
      "select prosrc as body from pg_proc where proname = 'tresor_webhook_enqueue'",
    );
    const body = row!.body;
    const listed = /"action" IN \(([^)]*)\)/.exec(body)?.[1] ?? '';
    const actions = [...listed.matchAll(/'([a-z0-9_.]+)'/g)].map((m) => m[1]).sort();
    expect(actions).toEqual(webhookActions.map((w) => w.action).sort());
    // Renamed on the way: WHEN 'action' THEN 'event'; the others keep the action's name.
    const renamed = new Map([...body.matchAll(/WHEN '([a-z0-9_.]+)' THEN '([a-z0-9_.]+)'/g)].map((m) => [m[1], m[2]]));
    for (const { action, event } of webhookActions) expect(renamed.get(action) ?? action, action).toBe(event);
  });

  it('delivers secret.expiring when an expiry notice goes out', async () => {
    await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'relay', fields: relaySecretFields(smtp) });
    const { endpoint, signingSecret } = await t.tresor.webhooks.create(t.admin, {
      url: `${receiver.base}/expiring`,
      events: ['secret.expiring'],
    });
    receiver.secrets.add(signingSecret);
    const soon = new Date(Date.now() + 3 * 86_400_000);
    await t.tresor.secrets.create(t.admin, {
      type: 'api-key',
      name: 'soon',
      fields: { key: 'k-soon' },
      expiresAt: soon,
    });
    expect((await t.tresor.notices.run()).sent).toBeGreaterThanOrEqual(1);
    await t.tresor.webhooks.deliver();
    const got = receiver.received.filter((r) => r.path === '/expiring');
    expect(got.map((r) => [r.json.event, (r.json.data.secret as { name: string }).name])).toEqual([
      ['secret.expiring', 'soon'],
    ]);
    expect(got[0]!.signedWith).toBe(signingSecret);
    expect(JSON.stringify(got)).not.toContain('k-soon');
    await t.tresor.webhooks.remove(t.admin, endpoint.id);
  });
});
