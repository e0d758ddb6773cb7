/**
 * Single sign-on in the browser (Chromium) against a real OpenID provider (oidc-provider on
 * loopback HTTPS): "Sign in with …" on Tresor's sign-in page, the provider's sign-in and
 * consent, back to the store signed in; the provider's group shown as managed, with no member
 * forms; the token page asking for no password; sign-out at the provider too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { type OAuth2TestServer, oauth2ServerCertificate, startOAuth2Server } from '../support/oauth2-server.ts';

describe.skipIf(!chromiumPath)('single sign-on in the browser (Chromium)', () => {
  let b: BrowserApp;
  let server: OAuth2TestServer;

  beforeAll(async () => {
    const tls = await oauth2ServerCertificate();
    // The provider first (Tresor needs its issuer), told Tresor's callback once Tresor listens.
    server = await startOAuth2Server({ redirectUris: ['https://unknown.test/'], tls });
    b = await browserApp({
      TRESOR_OUTBOUND_CA_FILE: tls.caFile,
      TRESOR_OIDC_ISSUER: server.issuer,
      TRESOR_OIDC_CLIENT_ID: server.clientId,
      TRESOR_OIDC_CLIENT_SECRET: server.clientSecret,
      TRESOR_OIDC_SCOPES: 'openid email profile groups',
      TRESOR_OIDC_GROUPS_CLAIM: 'groups',
      TRESOR_OIDC_AUTO_CREATE: 'true',
      TRESOR_OIDC_LABEL: 'Company SSO',
    });
    server.setRedirectUris([`${b.base}/auth/oidc/callback`], [`${b.base}/login`]);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await server?.close();
  });

  it('signs in through the provider, shows the mirrored group as managed, and signs out there too', async () => {
    server.accounts.set('olga', {
      email: 'olga@example.test',
      email_verified: true,
      name: 'Olga',
      groups: ['platform'],
    });
    const context = await b.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${b.base}/login`);
    await Promise.all([page.waitForURL(/\/interaction\//), page.click('text=Sign in with Company SSO')]);
    expect(page.url().startsWith(server.issuer)).toBe(true);
    await page.fill('input[name=login]', 'olga');
    await page.fill('input[name=password]', 'any password');
    await Promise.all([page.waitForURL(/\/interaction\//), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(`${b.base}/secrets`), page.click('button[type=submit]')]);
    expect(await page.textContent('header')).toContain('Olga');

    // The token page asks for no password: the account has none.
    await page.goto(`${b.base}/tokens`);
    expect(await page.locator('#currentPassword').count()).toBe(0);
    expect(await page.textContent('main')).toContain('signs in elsewhere (single sign-on');

    // An administrator sees the group as the provider's, with no forms to change its members.
    const admin = await b.signIn();
    await admin.goto(`${b.base}/admin/groups/platform`);
    expect(await admin.textContent('#managed')).toContain('come from oidc');
    expect(await admin.locator('input[name=email]').count()).toBe(0);
    expect(await admin.textContent('main')).toContain('olga@example.test');
    await admin.context().close();

    // Sign-out goes on to the provider's end-session page.
    await Promise.all([page.waitForURL((url) => url.href.startsWith(server.issuer)), page.click('header form button')]);
    expect(page.url()).toContain('/session/end');
    await context.close();
  });
});
