/**
 * Webhooks and spaces (issue "Spaces"), on both databases, against a real HTTPS receiver: a
 * space's admin registers the space's endpoints (and only those), which are told only of the
 * space's secrets — a deleted one too; the instance's endpoints hear of every space, and every
 * payload names the secret's space.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { outcomeOf } from '../support/outcome.ts';
import { createUser } from '../support/principals.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const code = outcomeOf;

describe.each(databaseKinds)('webhooks of spaces on %s', (kind) => {
  let t: TestTresor;
  let receiver: WebhookReceiver;
  let dana: Principal & { email: string }; // payments admin, no WEBHOOK_ADMIN
  let mia: Principal & { email: string }; // payments member

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await testTresor(kind, { TRESOR_OUTBOUND_CA_FILE: receiver.caFile });
    dana = await createUser(t.tresor, t.admin, 'hook-dana');
    mia = await createUser(t.tresor, t.admin, 'hook-mia', ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_DELETE']);
    await t.tresor.spaces.create(t.admin, { name: 'payments' });
    await t.tresor.spaces.setRole(t.admin, 'payments', { user: dana.email }, 'admin');
    await t.tresor.spaces.setRole(t.admin, 'payments', { user: mia.email }, 'member');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it("lets a space's admin register its endpoints only, told only of its secrets", async () => {
    const events = ['secret.created', 'secret.deleted'];
    // No space, or one it is not admin of: refused at the field, nothing registered.
    expect(await code(t.tresor.webhooks.create(dana, { url: `${receiver.base}/x`, events }))).toBe(
      'VALIDATION_FAILED:space',
    );
    expect(await code(t.tresor.webhooks.create(dana, { url: `${receiver.base}/x`, events, space: 'default' }))).toBe(
      'VALIDATION_FAILED:space',
    );
    // A member administers no webhooks at all.
    expect(await code(t.tresor.webhooks.list(mia))).toBe('ACCESS_DENIED');

    const spaceHook = await t.tresor.webhooks.create(dana, {
      url: `${receiver.base}/space`,
      events,
      space: 'payments',
    });
    receiver.secrets.add(spaceHook.signingSecret);
    expect(spaceHook.endpoint.space).toBe('payments');
    const instanceHook = await t.tresor.webhooks.create(t.admin, { url: `${receiver.base}/instance`, events });
    receiver.secrets.add(instanceHook.signingSecret);
    expect(instanceHook.endpoint.space).toBeUndefined();
    // Each sees what it administers: the space's admin not the instance's endpoint.
    expect((await t.tresor.webhooks.list(dana)).map((e) => e.id)).toEqual([spaceHook.endpoint.id]);
    expect((await t.tresor.webhooks.list(t.admin)).map((e) => e.id).sort()).toEqual(
      [spaceHook.endpoint.id, instanceHook.endpoint.id].sort(),
    );
    expect(await code(t.tresor.webhooks.get(dana, instanceHook.endpoint.id))).toBe('NOT_FOUND');
    expect(await code(t.tresor.webhooks.remove(dana, instanceHook.endpoint.id))).toBe('NOT_FOUND');
    // A secret filter outside the endpoint's space would never match: refused.
    await t.tresor.secrets.create(mia, { type: 'api-key', name: 'elsewhere', fields: { key: 'k0' } });
    expect(await code(t.tresor.webhooks.update(t.admin, spaceHook.endpoint.id, { secrets: ['elsewhere'] }))).toBe(
      'VALIDATION_FAILED:secrets',
    );

    const psp = await t.tresor.secrets.create(mia, {
      type: 'api-key',
      name: 'psp',
      space: 'payments',
      fields: { key: 'k1' },
    });
    await t.tresor.secrets.create(mia, { type: 'api-key', name: 'plain', fields: { key: 'k2' } });
    await t.tresor.secrets.delete(mia, psp.id);
    await t.tresor.webhooks.deliver();

    const to = (path: string) =>
      receiver.received
        .filter((r) => r.path === path)
        .map((r) => {
          const secret = r.json.data.secret as { name: string; space: string | null };
          return `${r.json.event} ${secret.space}/${secret.name}`;
        })
        .sort();
    expect(to('/space')).toEqual(['secret.created payments/psp', 'secret.deleted payments/psp']);
    expect(to('/instance')).toEqual([
      'secret.created default/elsewhere',
      'secret.created default/plain',
      'secret.created payments/psp',
      'secret.deleted payments/psp',
    ]);
    expect(receiver.received.every((r) => r.signedWith !== undefined)).toBe(true);
  });
});
