/** Webhook endpoints over the REST API: registered, listed, changed, sent to, refused — the signing secret shown once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const canary = 'CANARY-webhook-api-93d1';

describe.each(databaseKinds)('REST API: webhooks on %s', (kind) => {
  let h: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await testApp(kind, { TRESOR_OUTBOUND_CA_FILE: receiver.caFile });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('registers an endpoint, shows its secret once, delivers, pages deliveries, sends again, removes', async () => {
    const token = await h.tokenFor(h.admin);
    const created = await h.api('POST', '/api/v1/admin/webhooks', token, {
      url: `${receiver.base}/api-hook`,
      description: 'ops chat',
      events: ['secret.created', 'secret.deleted'],
      types: ['password'],
    });
    expect(created.statusCode).toBe(201);
    const { id, signingSecret } = created.json() as { id: string; signingSecret: string };
    expect(signingSecret).toMatch(/^whsec_/);
    receiver.secrets.add(signingSecret);
    expect(created.json()).toMatchObject({ events: ['secret.created', 'secret.deleted'], types: ['password'] });

    const listed = await h.api('GET', '/api/v1/admin/webhooks', token);
    const one = await h.api('GET', `/api/v1/admin/webhooks/${id}`, token);
    expect([listed.statusCode, one.statusCode]).toEqual([200, 200]);
    expect(listed.body + one.body).not.toContain(signingSecret.slice(6));
    expect(one.json()).toMatchObject({ url: `${receiver.base}/api-hook`, description: 'ops chat', enabled: true });

    await h.tresor.secrets.create(h.admin, { type: 'password', name: 'api-hooked', fields: { password: canary } });
    await h.tresor.secrets.create(h.admin, { type: 'api-key', name: 'api-not-hooked', fields: { key: canary } });
    await h.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => [r.json.event, r.signedWith === signingSecret])).toEqual([
      ['secret.created', true],
    ]);

    const deliveries = await h.api('GET', `/api/v1/admin/webhooks/${id}/deliveries?limit=10`, token);
    expect(deliveries.statusCode).toBe(200);
    const [d] = deliveries.json() as { id: number; state: string; secretName: string }[];
    expect(d).toMatchObject({ state: 'delivered', secretName: 'api-hooked', attempts: 1, lastStatus: 204 });
    expect(deliveries.body).not.toContain(canary);

    const again = await h.api('POST', `/api/v1/admin/webhooks/${id}/deliveries/${d!.id}/redeliver`, token);
    expect(again.statusCode).toBe(202);
    await h.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => r.json.id)).toEqual([String(d!.id), String(d!.id)]);

    const rotated = await h.api('POST', `/api/v1/admin/webhooks/${id}/rotate-secret`, token);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().signingSecret).not.toBe(signingSecret);

    const patched = await h.api('PATCH', `/api/v1/admin/webhooks/${id}`, token, { enabled: false });
    expect([patched.statusCode, patched.json().enabled]).toEqual([200, false]);
    expect((await h.api('DELETE', `/api/v1/admin/webhooks/${id}`, token)).statusCode).toBe(204);
    expect((await h.api('GET', `/api/v1/admin/webhooks/${id}`, token)).statusCode).toBe(404);
  });

  it('answers bad input with 422 naming the field, strangers with 403, unknown ids with 404', async () => {
    const token = await h.tokenFor(h.admin);
    const bad = await h.api('POST', '/api/v1/admin/webhooks', token, {
      url: 'http://example.test/hook',
      events: ['secret.created'],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'url' });
    const unknownKey = await h.api('POST', '/api/v1/admin/webhooks', token, {
      url: 'https://x.test',
      events: [],
      x: 1,
    });
    expect(unknownKey.statusCode).toBe(422);
    expect(unknownKey.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await h.api('GET', '/api/v1/admin/webhooks/not-an-id', token)).statusCode).toBe(404);
    expect(
      (await h.api('GET', '/api/v1/admin/webhooks/00000000-0000-4000-8000-000000000000/deliveries', token)).statusCode,
    ).toBe(404);

    const stranger = await h.tokenFor(await createUser(h.tresor, h.admin, 'api-hook-stranger', ['AUDIT_READ']));
    expect((await h.api('GET', '/api/v1/admin/webhooks', stranger)).statusCode).toBe(403);
    const refused = await h.api('POST', '/api/v1/admin/webhooks', stranger, {
      url: `${receiver.base}/x`,
      events: ['secret.created'],
    });
    expect(refused.statusCode).toBe(403);
    expect((await h.tresor.webhooks.list(h.admin)).map((e) => e.url)).not.toContain(`${receiver.base}/x`);
  });
});
