/** `tresor webhooks`: the CLI as a child process, remote (REST API, a token) and local (its own embedded database). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tresor } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const secretLine = /^signing secret \(shown this once\): (whsec_[A-Za-z0-9_-]+)$/m;

describe('tresor webhooks, remote mode', () => {
  let h: TestApp;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await testApp('pglite', { TRESOR_OUTBOUND_CA_FILE: receiver.caFile });
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    env = { TRESOR_URL: url, TRESOR_TOKEN: await h.tokenFor(h.admin), TRESOR_DATA_DIR: '/nonexistent' };
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('adds an endpoint (secret printed once), lists, shows deliveries, disables, rotates, removes', async () => {
    const added = await tresor(
      ['webhooks', 'add', `${receiver.base}/cli`, '--event', 'secret.created,secret.deleted', '--type', 'password'],
      env,
    );
    expect(added.code).toBe(0);
    const id = /^registered ([0-9a-f-]{36})$/m.exec(added.stdout)![1]!;
    const signingSecret = secretLine.exec(added.stdout)![1]!;
    receiver.secrets.add(signingSecret);

    await h.tresor.secrets.create(h.admin, { type: 'password', name: 'cli-hooked', fields: { password: 'p' } });
    await h.tresor.webhooks.deliver();
    expect(receiver.received.map((r) => r.signedWith === signingSecret)).toEqual([true]);

    const listed = await tresor(['webhooks', 'list'], env);
    expect(listed.stdout).toContain(
      `${id}\t${receiver.base}/cli\tenabled\tsecret.created,secret.deleted\ttypes password`,
    );
    expect(listed.stdout).not.toContain(signingSecret);
    const shown = await tresor(['webhooks', 'show', id, '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id,
      latest: [{ event: 'secret.created', secretName: 'cli-hooked', state: 'delivered', attempts: 1 }],
    });

    expect((await tresor(['webhooks', 'disable', id], env)).stdout).toBe(`disabled ${id}\n`);
    expect((await h.tresor.webhooks.get(h.admin, id)).enabled).toBe(false);
    const rotated = await tresor(['webhooks', 'rotate-secret', id], env);
    expect(secretLine.exec(rotated.stdout)![1]).not.toBe(signingSecret);
    expect((await tresor(['webhooks', 'remove', id], env)).stdout).toBe(`removed ${id}\n`);
    expect(await h.tresor.webhooks.list(h.admin)).toEqual([]);
  });

  it('says what to fix in one line, with a non-zero exit', async () => {
    const bad = await tresor(['webhooks', 'add', 'http://example.test/x', '--event', 'secret.created'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^tresor: .*url.*Only https/m);
    const stranger = await h.tokenFor(await createUser(h.tresor, h.admin, 'cli-hook-stranger'));
    const refused = await tresor(['webhooks', 'list'], { ...env, TRESOR_TOKEN: stranger });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/WEBHOOK_ADMIN/);
  });
});

describe('tresor webhooks, local mode', () => {
  it('administers as Tresor itself on the embedded database, and delivers on request', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const env = {
        TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-hooks-')),
        TRESOR_LOG_LEVEL: 'error',
        TRESOR_EGRESS_ALLOW: '127.0.0.1',
        TRESOR_OUTBOUND_CA_FILE: receiver.caFile,
      };
      expect((await tresor(['init'], env)).code).toBe(0);
      const added = await tresor(['webhooks', 'add', `${receiver.base}/local`, '--event', 'secret.created'], env);
      expect(added.code).toBe(0);
      receiver.secrets.add(secretLine.exec(added.stdout)![1]!);
      const created = await tresor(['secrets', 'create', 'local-hooked', '--type', 'api-key', '-s', 'k'], env);
      expect(created.code).toBe(0);
      const delivered = await tresor(['webhooks', 'deliver'], env);
      expect(delivered.stdout).toBe('1 delivered, 0 to retry, 0 given up\n');
      expect(receiver.received.map((r) => [r.json.event, (r.json.data.secret as { name: string }).name])).toEqual([
        ['secret.created', 'local-hooked'],
      ]);
      expect(receiver.received[0]!.signedWith).toBeDefined();
    } finally {
      await receiver.close();
    }
  });
});
