/** An OAuth2 secret's connection over the REST API: its state for whoever may see it, never a token; forgetting it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericOAuth2 } from '../../credential-types/oauth2.ts';
import { UiClient } from '../support/browser-session.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import {
  connectThrough,
  type OAuth2TestServer,
  oauth2Fields,
  startOAuth2Server,
  testRedirectUri,
} from '../support/oauth2-server.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('REST API: OAuth2 connections on %s', (kind) => {
  let h: TestApp;
  let server: OAuth2TestServer;
  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [testRedirectUri] });
    h = await testApp(kind, { TRESOR_OUTBOUND_CA_FILE: server.caFile });
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  it('answers the connection’s state, never a token; a module refused after DELETE; strangers get 404', async () => {
    const token = await h.tokenFor(h.admin);
    const secret = await h.tresor.secrets.create(h.admin, {
      type: 'oauth2',
      name: 'api-crm',
      fields: oauth2Fields(server),
    });
    const path = `/api/v1/secrets/${secret.id}/oauth2`;
    expect((await h.api('GET', path, token)).json()).toMatchObject({ status: 'not-connected', connectedAt: null });
    await connectThrough(h.tresor, server, h.admin, 'api-crm');
    const { value } = await h.tresor.use(GenericOAuth2, h.admin, 'api-crm');
    const connected = await h.api('GET', path, token);
    expect(connected.statusCode).toBe(200);
    expect(connected.json()).toMatchObject({
      status: 'connected',
      grant: 'authorization_code',
      scopes: expect.any(String),
    });
    expect(connected.body).not.toContain(value.accessToken!);
    expect(connected.body).not.toContain(server.clientSecret);

    const stranger = await h.tokenFor(await createUser(h.tresor, h.admin, 'api-oauth2-stranger'));
    expect((await h.api('GET', path, stranger)).statusCode).toBe(404);
    expect((await h.api('DELETE', path, stranger)).statusCode).toBe(404);

    expect((await h.api('DELETE', path, token)).statusCode).toBe(204);
    expect((await h.api('GET', path, token)).json()).toMatchObject({ status: 'not-connected' });
    await expect(h.tresor.use(GenericOAuth2, h.admin, 'api-crm')).rejects.toMatchObject({ code: 'RECONNECT_REQUIRED' });
    const password = await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'api-not-oauth2',
      fields: { password: 'p' },
    });
    const wrong = await h.api('GET', `/api/v1/secrets/${password.id}/oauth2`, token);
    expect([wrong.statusCode, wrong.json().error.field]).toEqual([422, 'type']);
  });

  it('shows the state to an administrator who does not own it, in the API and on the secret’s page', async () => {
    const owner = await createUser(h.tresor, h.admin, 'api-oauth2-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
    const secret = await h.tresor.secrets.create(owner, {
      type: 'oauth2',
      name: 'api-owned-elsewhere',
      fields: oauth2Fields(server),
    });
    await connectThrough(h.tresor, server, owner, 'api-owned-elsewhere');
    const status = await h.api('GET', `/api/v1/secrets/${secret.id}/oauth2`, await h.tokenFor(h.admin));
    expect([status.statusCode, status.json().status]).toEqual([200, 'connected']);

    const ui = new UiClient(h.app);
    const adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
    expect((await ui.login(adminEmail, 'correct horse battery staple')).statusCode).toBe(302);
    const page = await ui.get(`/secrets/${secret.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/class="card connection"[\s\S]*<strong>Connected<\/strong> as <strong>alice<\/strong>/);
  });
});
