/**
 * The README's guide "Add a credential type in five minutes": the example there is this
 * fixture, verbatim, and it must register and behave as the guide says — its fields and
 * defaults, the channel shown only when posting to one, German labels and errors, its
 * connection test against a real HTTPS endpoint, and a module posting through it without
 * seeing the token.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialRegistry } from '../../../src/credentials/index.ts';
import { loadCredentialTypes } from '../../../src/credentials/loader.ts';
import { missingTranslations } from '../../../src/credentials/translation-check.ts';
import { ValidationError } from '../../../src/errors.ts';
import { type TestTresor, testTresor } from '../../support/databases.ts';
import { serverCertificate } from '../../support/pki.ts';
import { thrown } from '../../support/registry.ts';

const root = resolve(import.meta.dirname, '../../..');
const folder = resolve(root, 'test/fixtures/guide');
const token = 'canary-guide-token-'.padEnd(40, 'T');

async function webhookType() {
  const registry = new CredentialRegistry();
  await loadCredentialTypes(registry, folder);
  return registry.get('webhook');
}

describe('the README guide example', () => {
  it('appears in the README exactly as the fixture the test runs', () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const fixture = readFileSync(resolve(folder, 'webhook.ts'), 'utf8');
    expect(readme).toContain(fixture.trim());
  });

  it('derives the form model, with the channel shown only when posting to one', async () => {
    const webhook = await webhookType();
    expect(webhook.formModel.fields.map((f) => [f.key, f.input, f.default, f.showWhen])).toEqual([
      ['url', 'url', undefined, undefined],
      ['token', 'password', undefined, undefined],
      ['toChannel', 'checkbox', false, undefined],
      ['channel', 'text', undefined, { toChannel: [true] }],
    ]);
    const schema = webhook.jsonSchema as {
      properties: Record<string, { writeOnly?: boolean }>;
      required: string[];
      allOf: unknown[];
    };
    expect(schema.properties.token!.writeOnly).toBe(true);
    expect(schema.required).toEqual(['url', 'token']);
    expect(schema.allOf).toContainEqual({
      if: { properties: { toChannel: { enum: [true] } }, required: ['toChannel'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's keyword is named then.
      then: { required: ['channel'] },
    });
  });

  it('validates exactly what the form shows: the channel required when posting to one, dropped when not', async () => {
    const webhook = await webhookType();
    const url = 'https://chat.example.com/hooks/in';
    expect(webhook.parseCreate({ url, token })).toEqual({ url, token, toChannel: false });
    expect(webhook.parseCreate({ url, token, channel: 'no hash' })).toEqual({ url, token, toChannel: false });
    expect(webhook.parseCreate({ url, token, toChannel: true, channel: '#deploys' })).toEqual({
      url,
      token,
      toChannel: true,
      channel: '#deploys',
    });
    expect(thrown(() => webhook.parseCreate({ url, token, toChannel: true })).message).toBe(
      'Invalid Chat webhook: channel: Channel is required',
    );
    const badChannel = thrown(() => webhook.parseCreate({ url, token, toChannel: true, channel: 'deploys' }));
    expect(badChannel.message).toBe('Invalid Chat webhook: channel: Channel must start with #, as in #deploys');
    expect(badChannel).toBeInstanceOf(ValidationError);
    expect((badChannel as unknown as ValidationError).in('de').message).toBe(
      'Ungültig: Chat-Webhook: channel: Kanal muss mit # beginnen, etwa #deploys',
    );
    const short = thrown(() => webhook.parseCreate({ url, token: 'short-canary' }));
    expect(short.message).toBe('Invalid Chat webhook: token: Token must be at least 32 characters');
    expect(short.message).not.toContain('short-canary');
  });

  it('speaks German wherever it is asked to, and misses no translation', async () => {
    const webhook = await webhookType();
    const german = webhook.in('de');
    expect(german.definition.name).toBe('Chat-Webhook');
    expect(german.formModel.fields.map((f) => f.label)).toEqual([
      'Endpunkt',
      'Token',
      'In einen Kanal senden',
      'Kanal',
    ]);
    expect(missingTranslations([webhook], ['de'])).toEqual([]);
  });

  describe('against a real HTTPS endpoint on loopback', () => {
    let t: TestTresor;
    let server: Server;
    let ca: string;
    let endpoint: string;
    const received: { authorization?: string; body: string }[] = [];

    beforeAll(async () => {
      const tls = await serverCertificate();
      ca = tls.ca;
      const caFolder = mkdtempSync(join(tmpdir(), 'tresor-guide-ca-'));
      writeFileSync(join(caFolder, 'ca.pem'), ca);
      t = await testTresor('pglite', { TRESOR_OUTBOUND_CA_FILE: join(caFolder, 'ca.pem') });
      await loadCredentialTypes(t.tresor.registry, folder);
      server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on('end', () => {
          received.push({ authorization: req.headers.authorization, body });
          res.writeHead(req.headers.authorization === `Bearer ${token}` ? 204 : 401).end();
        });
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/in`;
      await t.tresor.secrets.create(t.admin, {
        type: 'webhook',
        name: 'deploys',
        fields: { url: endpoint, token, toChannel: true, channel: '#deploys' },
      });
    });
    afterAll(async () => {
      await new Promise((done) => server?.close(done));
      await t?.close();
    });

    it('its connection test posts a message and reports each check, with no secret in it', async () => {
      received.length = 0;
      const { report } = await t.tresor.tests.testStored(t.admin, 'deploys');
      expect(report.checks.map((c) => `${c.name}: ${c.status}`)).toEqual([
        'Reach the endpoint: passed',
        'Post a message: passed',
      ]);
      expect(received).toEqual([
        { authorization: `Bearer ${token}`, body: '{"text":"Tresor connection test","channel":"#deploys"}' },
      ]);
      const wrong = 'wrong-token-'.padEnd(32, 'W');
      const refused = await t.tresor.tests.testStored(t.admin, 'deploys', { fields: { token: wrong } });
      expect(refused.report.checks.map((c) => `${c.name}: ${c.status}`)).toEqual([
        'Reach the endpoint: passed',
        'Post a message: failed',
      ]);
      expect(JSON.stringify([report, refused.report])).not.toMatch(/canary-guide|wrong-token/);
    });

    it('lets a module post to the endpoint with the token applied, and nowhere else', async () => {
      received.length = 0;
      const chat = await t.tresor.moduleContext.http(t.admin, 'deploys', { ca, module: 'deploy-notifier' });
      expect(chat.fields).toEqual({ url: endpoint, toChannel: true, channel: '#deploys' });
      expect(JSON.stringify(chat)).not.toContain('canary-guide');
      const body = JSON.stringify({ text: 'Deployed v2', channel: chat.fields.channel });
      expect((await chat.request(endpoint, { method: 'POST', body })).status).toBe(204);
      expect(received).toEqual([{ authorization: `Bearer ${token}`, body }]);
      await expect(chat.request('https://chat.example.org/hooks/in', { method: 'POST', body })).rejects.toMatchObject({
        code: 'DESTINATION_REFUSED',
      });
      expect(received).toHaveLength(1);
    });
  });
});
