/** The Jira client against a loopback HTTPS server that checks the Authorization header and the request shapes. */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraModule } from '../../src/modules/jira/jira.client.ts';
import { type TestTresor, testTresor } from '../support/databases.ts';
import { serverCertificate } from '../support/pki.ts';

interface Seen {
  method: string;
  path: string;
  authorization: string;
  body: unknown;
}

describe('jira module (PGlite)', () => {
  let t: TestTresor;
  let server: Server;
  let base: string;
  let ca: string;
  const seen: Seen[] = [];
  const expected = `Basic ${Buffer.from('bot@example.test:jira-token-123').toString('base64')}`;

  beforeAll(async () => {
    t = await testTresor('pglite');
    const tls = await serverCertificate();
    ca = tls.ca;
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        seen.push({
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: req.headers.authorization ?? '',
          body: text ? JSON.parse(text) : undefined,
        });
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== expected) return send(401, { errorMessages: ['Unauthorized'] });
        if (req.method === 'GET' && req.url === '/rest/api/3/myself')
          return send(200, { accountId: 'acc-1', emailAddress: 'bot@example.test', displayName: 'Bot' });
        if (req.method === 'POST' && req.url === '/rest/api/3/issue') {
          const body = JSON.parse(text) as {
            fields?: { project?: { key?: string }; summary?: string; issuetype?: { name?: string } };
          };
          if (!body.fields?.project?.key || !body.fields.summary || !body.fields.issuetype?.name)
            return send(400, { errors: { summary: 'required' } });
          return send(201, {
            id: '10001',
            key: `${body.fields.project.key}-1`,
            self: `${base}/rest/api/3/issue/10001`,
          });
        }
        if (req.method === 'POST' && req.url === '/rest/api/3/search/jql')
          return send(200, { issues: [{ id: '10001', key: 'OPS-1', fields: { summary: 'Disk full' } }] });
        return send(404, {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await t.tresor.secrets.create(t.admin, {
      type: 'jira',
      name: 'jira-cloud',
      fields: { siteUrl: base, email: 'bot@example.test', apiToken: 'jira-token-123' },
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('calls myself, create issue and search with the credential in the Authorization header', async () => {
    const jira = await jiraModule(t.tresor.moduleContext, { ca }).client(t.admin, 'jira-cloud');
    expect(await jira.myself()).toEqual({ accountId: 'acc-1', emailAddress: 'bot@example.test', displayName: 'Bot' });
    expect(await jira.createIssue({ projectKey: 'OPS', summary: 'Disk full', description: 'on node 3' })).toMatchObject(
      { key: 'OPS-1' },
    );
    expect((await jira.search('project = OPS', { maxResults: 5 })).issues.map((i) => i.key)).toEqual(['OPS-1']);
    expect(seen.map((s) => [s.method, s.path, s.authorization === expected])).toEqual([
      ['GET', '/rest/api/3/myself', true],
      ['POST', '/rest/api/3/issue', true],
      ['POST', '/rest/api/3/search/jql', true],
    ]);
    expect(seen[1]!.body).toEqual({
      fields: {
        project: { key: 'OPS' },
        summary: 'Disk full',
        issuetype: { name: 'Task' },
        description: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'on node 3' }] }],
        },
      },
    });
    expect(seen[2]!.body).toEqual({ jql: 'project = OPS', maxResults: 5, fields: ['summary', 'status'] });
  });

  it('turns a rejected token into a clear error that names the secret, not the token', async () => {
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'jira',
      name: 'jira-stale',
      fields: { siteUrl: base, email: 'bot@example.test', apiToken: 'revoked-token' },
    });
    const jira = await jiraModule(t.tresor.moduleContext, { ca }).client(t.admin, s.id);
    const error = await jira.myself().then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(error?.code).toBe('UPSTREAM_FAILED');
    expect(error?.message).toMatch(
      /^Jira at 127\.0\.0\.1:\d+ refused the e-mail and API token of secret "jira-stale" \(401\); update the secret$/,
    );
  });

  it('cannot be built for a principal that may not use the secret', async () => {
    const stranger = await t.tresor.users.create(t.admin, { email: 'jira-stranger@example.test' });
    await expect(
      jiraModule(t.tresor.moduleContext, { ca }).client({ kind: 'user', id: stranger.id }, 'jira-cloud'),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('connects only where the egress policy allows: by default not to loopback, nor to 127.0.0.1:5432', async () => {
    // The same store's secrets, through a Tresor with the default policy (no TRESOR_EGRESS_ALLOW).
    const strict = await testTresor('pglite', { TRESOR_EGRESS_ALLOW: '' });
    try {
      for (const [name, siteUrl] of [
        ['jira-loopback', base],
        ['jira-postgres', 'https://127.0.0.1:5432'],
        ['jira-metadata', 'https://169.254.169.254'],
      ] as const)
        await strict.tresor.secrets.create(strict.admin, {
          type: 'jira',
          name,
          fields: { siteUrl, email: 'bot@example.test', apiToken: 'jira-token-123' },
        });
      const before = seen.length;
      for (const name of ['jira-loopback', 'jira-postgres', 'jira-metadata']) {
        const jira = await jiraModule(strict.tresor.moduleContext, { ca }).client(strict.admin, name);
        const error = await jira.myself().then(
          () => undefined,
          (e: Error & { code?: string }) => e,
        );
        expect(error?.code).toBe('EGRESS_DENIED');
        expect(error?.message).toMatch(/TRESOR_EGRESS_ALLOW/);
        expect(error?.message).not.toContain('jira-token-123');
      }
      // Refused before connecting: the server saw nothing.
      expect(seen.length).toBe(before);
    } finally {
      await strict.close();
    }
  });
});
