/**
 * OAuth2 in the browser (Chromium) against a real authorization server (oidc-provider on
 * loopback HTTPS): Connect, sign in and consent there, back through Tresor's callback to the
 * secret's page, connected; a module's call with a fresh token; a forged callback refused;
 * a refused refresh shown as "needs reconnect" in the store and on the page, and fixed by
 * connecting again — and no token or client secret on any page of the flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericOAuth2 } from '../../credential-types/oauth2.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import {
  type OAuth2TestServer,
  oauth2Fields,
  oauth2ServerCertificate,
  startOAuth2Server,
} from '../support/oauth2-server.ts';

describe.skipIf(!chromiumPath)('OAuth2 Connect in the browser (Chromium)', () => {
  let b: BrowserApp;
  let server: OAuth2TestServer;
  const pages: string[] = [];
  const tokens: string[] = [];

  beforeAll(async () => {
    const tls = await oauth2ServerCertificate();
    // Tokens of 120 s within a 300 s margin: every use refreshes (so a refused refresh shows at once).
    b = await browserApp({ TRESOR_OUTBOUND_CA_FILE: tls.caFile, TRESOR_OAUTH2_REFRESH_MARGIN_SECONDS: '300' });
    server = await startOAuth2Server({ redirectUris: [`${b.base}/oauth2/callback`], tls });
  }, 60_000);
  afterAll(async () => {
    for (const secret of [...tokens, server.clientSecret])
      expect(pages.filter((html) => html.includes(secret))).toEqual([]);
    await b?.close();
    await server?.close();
  });

  it('connects through the server’s sign-in and consent, and a module then calls with a fresh token', async () => {
    const secret = await b.h.tresor.secrets.create(b.h.admin, {
      type: 'oauth2',
      name: 'ui-crm',
      fields: oauth2Fields(server),
    });
    const page = await b.signIn(undefined, { ignoreHTTPSErrors: true });
    await page.goto(`${b.base}/secrets/${secret.id}`);
    expect(await page.textContent('.connection')).toContain('Not connected');
    pages.push(await page.content());

    await Promise.all([page.waitForURL(/\/interaction\//), page.click('form[action$="/oauth2/connect"] button')]);
    expect(page.url().startsWith(server.issuer)).toBe(true);
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', 'any password');
    await Promise.all([page.waitForURL(/\/interaction\//), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(`${b.base}/secrets/${secret.id}`), page.click('button[type=submit]')]);
    expect(await page.textContent('.flash')).toContain('Connected');
    expect(await page.textContent('.connection')).toContain('Connected as alice since');
    expect(await page.textContent('.connection')).toContain('email');
    pages.push(await page.content());

    const { value } = await b.h.tresor.use(GenericOAuth2, b.h.admin, 'ui-crm', { module: 'crm-sync' });
    tokens.push(value.accessToken!);
    expect(await server.accepts(value.accessToken!)).toBe(true);
    await page.reload();
    pages.push(await page.content());
    await page.context().close();
  });

  it('refuses a callback it did not start, and changes nothing', async () => {
    const page = await b.signIn(undefined, { ignoreHTTPSErrors: true });
    const response = await page.goto(`${b.base}/oauth2/callback?state=forged-state&code=stolen-code`);
    expect(response?.status()).toBe(422);
    expect(await page.textContent('main')).toContain('was not started here');
    pages.push(await page.content());
    expect((await b.h.tresor.oauth2.status(b.h.admin, 'ui-crm')).status).toBe('connected');
    await page.context().close();
  });

  it('shows a refused refresh as needs reconnect in the store and on the page, until connected again', async () => {
    server.forgetRefreshTokens();
    await expect(b.h.tresor.use(GenericOAuth2, b.h.admin, 'ui-crm')).rejects.toMatchObject({
      code: 'RECONNECT_REQUIRED',
    });
    const page = await b.signIn(undefined, { ignoreHTTPSErrors: true });
    expect(await page.textContent('main table')).toContain('needs reconnect');
    await page.click('a:text("ui-crm")');
    expect(await page.textContent('.connection')).toContain('Needs reconnect');
    pages.push(await page.content());

    await Promise.all([page.waitForURL(/\/interaction\//), page.click('form[action$="/oauth2/connect"] button')]);
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', 'any password');
    await Promise.all([page.waitForURL(/\/interaction\//), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(/\/secrets\/[0-9a-f-]{36}$/), page.click('button[type=submit]')]);
    expect(await page.textContent('.connection')).toContain('Connected as alice since');
    const { value } = await b.h.tresor.use(GenericOAuth2, b.h.admin, 'ui-crm');
    tokens.push(value.accessToken!);
    expect(await server.accepts(value.accessToken!)).toBe(true);
    await page.goto(`${b.base}/secrets`);
    expect(await page.textContent('main table')).not.toContain('needs reconnect');
    pages.push(await page.content());
    await page.context().close();
  });
});
