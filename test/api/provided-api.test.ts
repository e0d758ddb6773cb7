/** Provided secrets over the REST API and on the store page: listed for whoever may use them, never a value. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';

describe('REST API and store page: provided secrets', () => {
  let h: TestApp;
  const email = 'provided-reader@example.test';
  beforeAll(async () => {
    h = await testApp('pglite', {
      TRESOR_PROVIDER_ENV: 'KEEP_',
      KEEP_BILLING_KEY__TYPE: 'api-key',
      KEEP_BILLING_KEY__KEY: 'CANARY-provided-api',
      KEEP_BILLING_KEY__USERS: email,
      KEEP_OTHER__TYPE: 'api-key',
      KEEP_OTHER__KEY: 'CANARY-provided-other',
    });
  });
  afterAll(() => h?.close());

  it('lists what names the caller, with its provider and the fields set', async () => {
    const user = await h.tresor.users.create(systemPrincipal, { email, password: 'correct horse battery staple' });
    const res = await h.api('GET', '/api/v1/provided', await h.tokenFor({ kind: 'user', id: user.id }));
    expect(res.json()).toEqual({
      items: [{ provider: 'env', name: 'billing-key', type: 'api-key', fields: ['KEY'], problem: null }],
    });
    // Nothing declared: the system group's modules' to use (the administrator stands in it), seen by nobody.
    expect((await h.api('GET', '/api/v1/provided', await h.tokenFor(h.admin))).json()).toEqual({ items: [] });
    expect((await h.tresor.usage.useAny(h.admin, 'other')).payload.key).toBe('CANARY-provided-other');
    const browser = new UiClient(h.app);
    await browser.login(email, 'correct horse battery staple');
    const page = await browser.get('/secrets');
    expect(page.body).toContain('From outside Tresor');
    expect(page.body).toContain('billing-key');
    expect(page.body).not.toContain('CANARY-provided');
    expect([...h.seen, ...browser.pages].join('\n')).not.toContain('CANARY-provided');
  });
});
