/**
 * Changing one's own password ends every API token (issue "A product, not an admin tool", data
 * safety first): the page says so before, naming the tokens, and after; the CLI whose login it
 * ended says what happened and what to run — not the API's "send a valid API token".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../../src/cli/exit-codes.ts';
import { UiClient } from '../support/browser-session.ts';
import { tresor } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const password = 'correct horse battery staple';

describe('a password change and the tokens it ends', () => {
  let h: TestApp;
  let url: string;
  beforeAll(async () => {
    h = await testApp('pglite');
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('names the tokens that end before the change, says they ended after, and the CLI says to log in again', async () => {
    const user = await createUser(h.tresor, h.admin, 'changer');
    const scriptToken = await h.tokenFor(user);
    // The CLI's own login, as `tresor login` keeps it.
    const configDir = mkdtempSync(join(tmpdir(), 'tresor-cli-login-'));
    writeFileSync(join(configDir, 'credentials.json'), JSON.stringify({ url, token: scriptToken }), { mode: 0o600 });
    const cli = { TRESOR_CONFIG_DIR: configDir, TRESOR_DATA_DIR: '/nonexistent', TRESOR_LOG_LEVEL: 'error' };
    expect((await tresor(['secrets', 'list'], cli)).code).toBe(0);

    const ui = new UiClient(h.app);
    await ui.login(user.email, password);
    const form = await ui.get('/account/password');
    expect(form.body).toContain('What ends with it');
    expect(form.body).toMatch(/your 1 API token \([^)]+\), the CLI(&#x27;|')s login among them/);
    expect(form.body).toContain('Change password and revoke 1 token');

    const changed = await ui.post('/account/password', {
      currentPassword: password,
      password: 'a brand new long passphrase',
      confirm: 'a brand new long passphrase',
    });
    expect(changed.statusCode).toBe(302);
    const login = await ui.get('/login');
    expect(login.body).toContain('your API tokens were revoked with it');

    const refused = await tresor(['secrets', 'list'], cli);
    expect(refused.code).toBe(exitCodes.denied);
    expect(refused.stderr).toContain(`Your login to ${url} was revoked or has expired`);
    expect(refused.stderr).toContain(`run tresor login --url ${url}`);
    expect(refused.stderr).not.toContain('Send a valid API token');
    // Signing out of a login that has already ended still signs out.
    writeFileSync(
      join(configDir, 'credentials.json'),
      JSON.stringify({ url, token: scriptToken, tokenId: '00000000-0000-4000-8000-00000000dead' }),
      { mode: 0o600 },
    );
    const out = await tresor(['logout'], cli);
    expect([out.code, out.stdout]).toEqual([0, `signed out of ${url}\n`]);
    // A token given in the environment is told to make a new one instead.
    const given = await tresor(['secrets', 'list'], { ...cli, TRESOR_URL: url, TRESOR_TOKEN: scriptToken });
    expect(given.stderr).toContain('The API token was revoked or has expired');
  });
});
