/**
 * `context.http()` (issue "Credential types that do more than hold values", part 3): a module
 * sends requests with a credential applied as its type declares, only to the destinations
 * the type allows, and never sees the value; opening it is an audited use. Against a real
 * HTTPS server on loopback.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Credential, CredentialRegistry, createDecorators, Field, MetadataStore } from '../../src/index.ts';
import { type TestTresor, testTresor } from '../support/databases.ts';
import { serverCertificate } from '../support/pki.ts';
import { thrown } from '../support/registry.ts';

const canary = 'canary-http-Kp42';

@Credential({
  id: 'test-header-key',
  name: 'Header key',
  description: 'Sent as X-API-Key to loopback.',
  logo: 'api-key.svg',
  authenticate: { kind: 'header', name: 'X-API-Key', field: 'key' },
  allowedDomains: ['127.0.0.1'],
})
class HeaderKey {
  @Field({ label: 'Key', style: 'secret' }) key!: string;
}

@Credential({
  id: 'test-query-key',
  name: 'Query key',
  description: 'Sent as ?api_key= to loopback.',
  logo: 'api-key.svg',
  authenticate: { kind: 'query', name: 'api_key', field: 'key' },
  allowedDomains: ['127.0.0.1'],
})
class QueryKey {
  @Field({ label: 'Key', style: 'secret' }) key!: string;
}

describe('context.http(): a credential applied, never handed out', () => {
  let t: TestTresor;
  let server: Server;
  let base: string;
  let ca: string;
  const seen: { url: string; authorization?: string; apiKey?: string }[] = [];

  beforeAll(async () => {
    t = await testTresor('pglite');
    t.tresor.registry.register(HeaderKey);
    t.tresor.registry.register(QueryKey);
    const tls = await serverCertificate();
    ca = tls.ca;
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      seen.push({
        url: req.url ?? '',
        authorization: req.headers.authorization,
        apiKey: req.headers['x-api-key'] as string | undefined,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [type, name, fields] of [
      ['test-header-key', 'header-key', { key: canary }],
      ['test-query-key', 'query-key', { key: canary }],
      ['jira', 'jira-site', { siteUrl: base, email: 'bot@example.test', apiToken: canary }],
    ] as const)
      await t.tresor.secrets.create(t.admin, { type, name, fields });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('applies header, query and basic credentials as each type declares', async () => {
    seen.length = 0;
    const header = await t.tresor.moduleContext.http(t.admin, 'header-key', { ca });
    expect((await header.request(`${base}/a`)).status).toBe(200);
    const query = await t.tresor.moduleContext.http(t.admin, 'query-key', { ca });
    await query.request(`${base}/b?x=1`);
    const jira = await t.tresor.moduleContext.http(t.admin, 'jira-site', { ca, module: 'jira' });
    await jira.request(`${base}/rest/api/3/myself`);
    expect(seen).toEqual([
      { url: '/a', authorization: undefined, apiKey: canary },
      { url: `/b?x=1&api_key=${canary}`, authorization: undefined, apiKey: undefined },
      {
        url: '/rest/api/3/myself',
        authorization: `Basic ${Buffer.from(`bot@example.test:${canary}`).toString('base64')}`,
        apiKey: undefined,
      },
    ]);
  });

  it('gives the module the name and the non-secret fields only', async () => {
    const jira = await t.tresor.moduleContext.http(t.admin, 'jira-site', { ca });
    expect(jira.secret).toBe('jira-site');
    expect(jira.fields).toEqual({ siteUrl: base, email: 'bot@example.test' });
    expect(JSON.stringify(jira)).not.toContain(canary);
  });

  it('refuses a destination the type does not allow, before connecting', async () => {
    const jira = await t.tresor.moduleContext.http(t.admin, 'jira-site', { ca });
    const before = seen.length;
    const other = base.replace('127.0.0.1', 'localhost');
    for (const url of [`${other}/rest/api/3/myself`, `${base.replace(/:\d+$/, ':1')}/x`, 'http://127.0.0.1/x'])
      await expect(jira.request(url)).rejects.toMatchObject({ code: 'DESTINATION_REFUSED' });
    expect(seen.length).toBe(before);
  });

  it('is a use: audited with the module, refused to whoever may not use the secret, checked for its type', async () => {
    await t.tresor.moduleContext.http(t.admin, 'jira-site', { ca, module: 'reporting' });
    const [row] = await t.database.handle.raw.query<{ module: string }>(
      "select module from audit_events where action = 'secret.used' and target_name = 'jira-site' order by at desc limit 1",
    );
    expect(row).toEqual({ module: 'reporting' });
    const stranger = { kind: 'user' as const, id: '00000000-0000-4000-8000-000000000000' };
    await expect(t.tresor.moduleContext.http(stranger, 'jira-site')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const uses = async () =>
      (
        await t.database.handle.raw.query<{ n: number }>(
          "select count(*)::int as n from audit_events where action = 'secret.used' and target_name = 'header-key'",
        )
      )[0]!.n;
    const before = await uses();
    await expect(t.tresor.moduleContext.http(t.admin, 'header-key', { type: 'jira' })).rejects.toMatchObject({
      code: 'WRONG_TYPE',
    });
    expect(await uses()).toBe(before);
  });

  it('refuses types whose declaration cannot work, naming class and field', () => {
    const store = new MetadataStore();
    const registry = new CredentialRegistry({ store });
    const d = createDecorators(store);
    const meta = { name: 'Thing', description: 'A thing.', logo: 'api-key.svg' };
    @d.Credential({ id: 'no-domains', ...meta, authenticate: { kind: 'bearer', field: 'token' } })
    class NoDomains {
      @d.Field({ label: 'Token', style: 'secret' }) token!: string;
    }
    @d.Credential({
      id: 'bad-field',
      ...meta,
      authenticate: { kind: 'bearer', field: 'tokn' },
      allowedDomains: ['a.b'],
    })
    class BadField {
      @d.Field({ label: 'Token', style: 'secret' }) token!: string;
    }
    @d.Credential({
      id: 'loose-url',
      ...meta,
      authenticate: { kind: 'bearer', field: 't' },
      allowedDomains: [{ field: 'u' }],
    })
    class LooseUrl {
      @d.Field({ label: 'URL', style: 'url' }) u!: string;
      @d.Field({ label: 'Token', style: 'secret' }) t!: string;
    }
    expect(thrown(() => registry.register(NoDomains)).message).toContain('authenticate needs allowedDomains');
    expect(thrown(() => registry.register(BadField)).message).toContain('authenticate names "tokn"');
    expect(thrown(() => registry.register(LooseUrl)).message).toContain(
      'LooseUrl.u: allowedDomains { field: "u" } must name a url field marked destination',
    );
  });
});
