/**
 * `tresor secrets oauth2`: an OAuth2 secret's connection from the CLI, as a child process —
 * remote (the REST API, a token) against a real authorization server, and local (its own
 * embedded database, as Tresor itself). Never a token or the client secret in any output.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericOAuth2 } from '../../credential-types/oauth2.ts';
import { tresor } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import {
  connectThrough,
  type OAuth2TestServer,
  oauth2Fields,
  startOAuth2Server,
  testRedirectUri,
} from '../support/oauth2-server.ts';
import { createUser } from '../support/principals.ts';

describe('tresor secrets oauth2, remote mode', () => {
  let h: TestApp;
  let server: OAuth2TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [testRedirectUri] });
    h = await testApp('pglite', { TRESOR_OUTBOUND_CA_FILE: server.caFile });
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    env = { TRESOR_URL: url, TRESOR_TOKEN: await h.tokenFor(h.admin), TRESOR_DATA_DIR: '/nonexistent' };
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  it('tells not connected, then connected (account, scopes, times), and forgets it', async () => {
    await h.tresor.secrets.create(h.admin, { type: 'oauth2', name: 'cli-crm', fields: oauth2Fields(server) });
    const before = await tresor(['secrets', 'oauth2', 'cli-crm'], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(
      'cli-crm (authorization_code): not connected — connect it on its page in the web UI (Connect)\n',
    );

    await connectThrough(h.tresor, server, h.admin, 'cli-crm');
    const { value } = await h.tresor.use(GenericOAuth2, h.admin, 'cli-crm');
    const shown = await tresor(['secrets', 'oauth2', 'cli-crm'], env);
    expect(shown.stdout).toMatch(/^cli-crm \(authorization_code\): connected\n {2}account: alice/);
    expect(shown.stdout).toMatch(/^ {2}access token valid until: \d{4}-\d\d-\d\dT/m);
    const json = JSON.parse((await tresor(['secrets', 'oauth2', 'cli-crm', '--json'], env)).stdout);
    expect(json).toMatchObject({ status: 'connected', grant: 'authorization_code', connectedAt: expect.any(String) });
    for (const output of [shown.stdout, JSON.stringify(json)]) {
      expect(output).not.toContain(value.accessToken!);
      expect(output).not.toContain(server.clientSecret);
    }

    const forgot = await tresor(['secrets', 'oauth2', 'cli-crm', '--forget'], env);
    expect(forgot.stdout).toBe(
      'forgot the connection of cli-crm: modules are refused it until it is connected again\n',
    );
    expect((await h.tresor.oauth2.status(h.admin, 'cli-crm')).status).toBe('not-connected');
  });

  it('refuses whoever may not see it, and a secret that is not OAuth2, with a non-zero exit', async () => {
    await h.tresor.secrets.create(h.admin, { type: 'password', name: 'cli-not-oauth2', fields: { password: 'p' } });
    const notOAuth2 = await tresor(['secrets', 'oauth2', 'cli-not-oauth2'], env);
    expect(notOAuth2.code).not.toBe(0);
    expect(notOAuth2.stderr).toMatch(/^tresor: .*OAuth2/m);
    const stranger = await h.tokenFor(await createUser(h.tresor, h.admin, 'cli-oauth2-stranger'));
    const refused = await tresor(['secrets', 'oauth2', 'cli-crm', '--forget'], { ...env, TRESOR_TOKEN: stranger });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^tresor: No secret "cli-crm"$/m);
  });
});

describe('tresor secrets oauth2, local mode', () => {
  it('tells the state as Tresor itself on the embedded database, and forgets', async () => {
    const env = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-oauth2-')), TRESOR_LOG_LEVEL: 'error' };
    const created = await tresor(
      [
        'secrets',
        'create',
        'local-crm',
        '--type',
        'oauth2',
        '--field',
        'clientId=local-client',
        '--field',
        'authorizationUrl=https://login.example.test/authorize',
        '--field',
        'tokenUrl=https://login.example.test/token',
        '-s',
        '-',
      ],
      env,
      'CANARY-local-client-secret',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const shown = await tresor(['secrets', 'oauth2', 'local-crm', '--json'], env);
    expect(JSON.parse(shown.stdout)).toEqual({
      status: 'not-connected',
      grant: 'authorization_code',
      scopes: '',
      account: null,
      accessExpiresAt: null,
      connectedAt: null,
      refreshedAt: null,
    });
    expect((await tresor(['secrets', 'oauth2', 'local-crm', '--forget'], env)).code).toBe(0);
    expect(shown.stdout).not.toContain('CANARY');
  });
});
