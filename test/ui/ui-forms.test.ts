/** The server-rendered UI through HTTP: sessions, CSRF, generated forms, errors beside fields, escaping. */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../credential-types/smtp.ts';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const adminPassword = 'correct horse battery staple';

describe('web UI (PGlite)', () => {
  let h: TestApp;
  let adminEmail: string;
  const canaries: string[] = [];
  const clients: UiClient[] = [];
  const client = () => {
    const c = new UiClient(h.app);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    h = await testApp('pglite', {
      TRESOR_TYPES_DIR: resolve(import.meta.dirname, '../fixtures/xss-types'),
      TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000',
    });
    adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
  });
  afterAll(async () => {
    const everything = clients.flatMap((c) => c.pages).join('\n');
    expect(findCanaries(everything, canaries)).toEqual([]);
    await h?.close();
  });

  it('redirects to the login page and back after signing in; sets a HttpOnly SameSite session cookie', async () => {
    const c = client();
    const store = await c.get('/secrets');
    expect(store.statusCode).toBe(302);
    expect(store.headers.location).toBe('/login?next=%2Fsecrets');
    const login = await c.post(
      '/login',
      { email: adminEmail, password: adminPassword, next: '/secrets/new' },
      { from: '/login' },
    );
    expect(login.statusCode).toBe(302);
    expect(login.headers.location).toBe('/secrets/new');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/tresor_session=[^;]+;.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect((await c.get('/secrets')).statusCode).toBe(200);
  });

  it('refuses a wrong password with the form again (401) and never an open redirect', async () => {
    const c = client();
    const wrong = await c.login(adminEmail, 'wrong password!');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong e-mail or password');
    expect(wrong.body).toContain(`value="${adminEmail}"`);
    const evil = await c.post(
      '/login',
      { email: adminEmail, password: adminPassword, next: '//evil.example/x' },
      { from: '/login' },
    );
    expect(evil.headers.location).toBe('/secrets');
  });

  it('refuses a form post without a valid CSRF token', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const none = await c.post('/secrets/new/password', { name: 'csrf-less', 'fields[password]': 'x' }, { csrf: false });
    expect(none.statusCode).toBe(403);
    const forged = await c.post(
      '/secrets/new/password',
      { name: 'csrf-forged', 'fields[password]': 'x' },
      { csrf: 'forged-token' },
    );
    expect(forged.statusCode).toBe(403);
    expect((await h.tresor.secrets.list(h.admin, { text: 'csrf-' })).length).toBe(0);
  });

  it('gives a new session id at every login (no session fixation)', async () => {
    const c = client();
    c.setCookie('tresor_session', 'planted-by-attacker');
    await c.login(adminEmail, adminPassword);
    expect(c.cookie('tresor_session')).not.toBe('planted-by-attacker');
    expect(await h.tresor.sessions.sessionUser('planted-by-attacker')).toBeUndefined();
  });

  it('renders the type picker and every field style through its own partial, with defaults', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const picker = await c.get('/secrets/new');
    for (const id of ['smtp', 'jira', 'password', 'api-key', 'certificate', 'ssh-key', 'generic'])
      expect(picker.body).toContain(`href="/secrets/new/${id}"`);
    const smtp = (await c.get('/secrets/new/smtp')).body;
    expect(smtp).toMatch(
      // No help text and no error: nothing to describe it, so no aria-describedby pointing nowhere.
      /<input id="f-port" name="fields\[port\]" type="number" value="587" step="1" min="1" max="65535">/,
    );
    expect(smtp).toMatch(/<select id="f-security" name="fields\[security\]"/);
    expect(smtp).toMatch(/<option value="starttls" selected>STARTTLS<\/option>/);
    expect(smtp).toMatch(/<input id="f-password" name="fields\[password\]" type="password" value=""/);
    expect(smtp).toMatch(/<input id="f-from" name="fields\[from\]" type="email"/);
    expect((await c.get('/secrets/new/certificate')).body).toMatch(
      /<textarea id="f-chain" name="fields\[chain\]" rows="8" class="mono"/,
    );
    expect((await c.get('/secrets/new/api-key')).body).toMatch(
      /<input id="f-expiresOn" name="fields\[expiresOn\]" type="date"/,
    );
    expect((await c.get('/secrets/new/generic')).body).toMatch(/name="fields\[entries\]\[0\]\[name\]"/);
  });

  it('creates an SMTP secret from the form, then edits it leaving the password empty: the password is kept', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const password = 'CANARY-ui-smtp-password';
    canaries.push(password);
    const created = await c.post('/secrets/new/smtp', {
      name: 'ui-smtp',
      description: 'from the form',
      'fields[host]': 'smtp.example.test',
      'fields[port]': '2525',
      'fields[security]': 'tls',
      'fields[authentication]': 'on',
      'fields[username]': 'mailer',
      'fields[password]': password,
    });
    expect(created.statusCode).toBe(302);
    const view = await c.get(created.headers.location as string);
    expect(view.body).toContain('Secret created.');
    expect(view.body).toContain('•••••• (sealed)');
    // Values as the form offers them: the option's label, a checkbox as yes or no.
    expect(view.body).toContain('<dt>Security</dt><dd>TLS</dd>');
    expect(view.body).toContain('<dt>Sign in</dt><dd>Yes</dd>');
    const id = /\/secrets\/([0-9a-f-]{36})/.exec(created.headers.location as string)![1]!;
    const edit = await c.get(`/secrets/${id}/edit`);
    expect(edit.body).toContain('value="smtp.example.test"');
    expect(edit.body).toContain('Leave empty to keep the stored value.');
    const saved = await c.post(
      `/secrets/${id}/edit`,
      {
        expectedVersion: '1',
        description: 'edited',
        'fields[host]': 'smtp.example.test',
        'fields[port]': '2525',
        'fields[security]': 'tls',
        'fields[authentication]': 'on',
        'fields[username]': 'relay-user',
        'fields[password]': '',
      },
      { from: `/secrets/${id}/edit` },
    );
    expect(saved.statusCode).toBe(302);
    expect(saved.headers.location).toBe(`/secrets/${id}`);
    // The confirmation comes once, from a cookie the redirect set, and never from the URL.
    expect((await c.get(`/secrets/${id}`)).body).toContain('Saved: a new version was written.');
    expect((await c.get(`/secrets/${id}`)).body).not.toContain('Saved: a new version was written.');
    expect((await c.get(`/secrets/${id}?done=deleted`)).body).not.toContain('Secret deleted.');
    const { value } = await h.tresor.use(Smtp, h.admin, id);
    expect(value).toMatchObject({
      host: 'smtp.example.test',
      username: 'relay-user',
      port: 2525,
      security: 'tls',
      password,
    });
  });

  it('returns the form with the message beside the field, keeps non-secret values, never echoes a secret', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const secret = 'CANARY-ui-rejected-password';
    canaries.push(secret);
    const res = await c.post(
      '/secrets/new/smtp',
      {
        name: 'ui-invalid',
        'fields[host]': 'smtp.example.test',
        'fields[port]': '70000',
        'fields[security]': 'starttls',
        'fields[authentication]': 'on',
        'fields[username]': 'kept-user',
        'fields[password]': secret,
      },
      { from: '/secrets/new/smtp' },
    );
    // Back to the form by a redirect (post/redirect/get), which shows it once with what was entered.
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/secrets/new/smtp');
    expect(String(res.headers['set-cookie'])).not.toContain(secret);
    const shown = await c.get('/secrets/new/smtp');
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toMatch(/<p class="error" id="e-port" role="alert">Port must be at most 65535<\/p>/);
    expect(shown.body).toContain('value="kept-user"');
    expect(shown.body).toContain('value="70000"');
    expect(shown.body).not.toContain(secret);
    expect(shown.body).toContain('id="a-password"');
    // Once: the form read again is empty.
    expect((await c.get('/secrets/new/smtp')).body).not.toContain('kept-user');
    await c.post(
      '/secrets/new/password',
      { name: 'bad name', 'fields[password]': 'x' },
      { from: '/secrets/new/password' },
    );
    const badName = await c.get('/secrets/new/password');
    expect(badName.body).toMatch(/id="e-name" role="alert">Name must be 1–64 letters/);
  });

  it('says "not found" to a person without route syntax or ids', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const page = await c.get('/no-such-page');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('There is no page at /no-such-page');
    expect(page.body).not.toContain('No route');
    const id = '9b835095-1747-45ff-bd36-e41b7bbda4cb';
    const secret = await c.get(`/secrets/${id}`);
    expect(secret.statusCode).toBe(404);
    expect(secret.body).toContain('No secret with that id');
    expect(secret.body).not.toContain(id);
  });

  it('asks for confirmation naming the secret before deleting', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const s = await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'ui-doomed',
      fields: { password: 'x' },
    });
    const page = await c.get(`/secrets/${s.id}/delete`);
    expect(page.body).toContain('Type the name <code>ui-doomed</code> to confirm');
    const wrong = await c.post(`/secrets/${s.id}/delete`, { confirm: 'ui-doome' });
    expect(wrong.statusCode).toBe(422);
    expect((await h.tresor.secrets.get(h.admin, s.id)).name).toBe('ui-doomed');
    const ok = await c.post(`/secrets/${s.id}/delete`, { confirm: 'ui-doomed' });
    expect(ok.headers.location).toBe('/secrets');
    expect((await c.get('/secrets')).body).toContain('Secret deleted.');
    await expect(h.tresor.secrets.get(h.admin, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shares, lists versions and rolls back from the UI', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const friend = await createUser(h.tresor, h.admin, 'ui-friend');
    const s = await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'ui-shared',
      fields: { password: 'one' },
    });
    await h.tresor.secrets.update(h.admin, s.id, { fields: { password: 'two' } });
    expect((await c.post(`/secrets/${s.id}/shares`, { user: friend.email })).headers.location).toBe(
      `/secrets/${s.id}/shares`,
    );
    const unknown = await c.post(`/secrets/${s.id}/shares`, { user: 'ghost@example.test' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain(
      'Cannot share with &quot;ghost@example.test&quot;: no active user you may share with',
    );
    const versions = await c.get(`/secrets/${s.id}/versions`);
    expect(versions.body).toContain('Roll back to v1');
    // The first post asks (nothing changes yet); the confirmation page posts again with confirm=yes.
    const asked = await c.post(
      `/secrets/${s.id}/rollback`,
      { version: '1', reason: 'ui' },
      { from: `/secrets/${s.id}/versions` },
    );
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('name="confirm" value="yes"');
    expect((await h.tresor.usage.useAny(h.admin, s.id)).payload.password).not.toBe('one');
    await c.post(
      `/secrets/${s.id}/rollback`,
      { version: '1', reason: 'ui', confirm: 'yes' },
      { from: `/secrets/${s.id}/versions` },
    );
    expect((await h.tresor.usage.useAny(h.admin, s.id)).payload.password).toBe('one');
  });

  it('ends sessions when the user is disabled or logs out', async () => {
    const user = await createUser(h.tresor, h.admin, 'ui-leaver');
    const c = client();
    await c.login(user.email, adminPassword);
    expect((await c.get('/secrets')).statusCode).toBe(200);
    await h.tresor.users.setDisabled(h.admin, user.id, true);
    expect((await c.get('/secrets')).statusCode).toBe(302);
    const d = client();
    await d.login(adminEmail, adminPassword);
    await d.post('/logout', {}, { from: '/secrets' });
    expect((await d.get('/secrets')).statusCode).toBe(302);
  });

  it('escapes markup from type authors and users everywhere, and sends a CSP without inline scripts', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'xss-desc',
      description: '<script>alert("desc")</script>',
      fields: { password: 'x' },
    });
    const pages = [
      await c.get('/secrets'),
      await c.get('/secrets/new'),
      await c.get('/secrets/new/hostile'),
      await c.get('/secrets/xss-desc'),
    ];
    const created = await c.post(
      '/secrets/new/hostile',
      {
        name: 'hostile-one',
        'fields[thing]': '<script>alert(7)</script>',
        'fields[choice]': 'a"><script>alert(5)</script>',
        'fields[token]': 't',
      },
      { from: '/secrets/new/hostile' },
    );
    pages.push(await c.get(created.headers.location as string), await c.get(`${created.headers.location}/edit`));
    for (const page of pages) {
      expect(page.body).not.toMatch(/<script>alert/);
      expect(page.body).not.toMatch(/<img src=x/);
      expect(page.body).not.toMatch(/<iframe/);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
    expect(pages[2]!.body).toContain('&lt;script&gt;alert(&quot;type description&quot;)&lt;/script&gt;');
  });

  it('sends the setup link to sign-in once set up, and shows admin pages only to admins', async () => {
    const plain = await createUser(h.tresor, h.admin, 'ui-plain');
    const c = client();
    await c.login(plain.email, adminPassword);
    expect((await c.get('/secrets')).body).not.toContain('href="/admin/users"');
    expect((await c.get('/admin/users')).statusCode).toBe(403);
    const a = client();
    await a.login(adminEmail, adminPassword);
    expect((await a.get('/admin/users')).body).toContain(plain.email);
    const added = await a.post('/admin/users', { email: 'ui-added@example.test' }, { from: '/admin/users' });
    expect(added.headers.location).toBe('/admin/users');
    const group = await a.post('/admin/groups', { name: 'ui-group' }, { from: '/admin/groups' });
    expect(group.headers.location).toBe('/admin/groups');
    expect(
      (
        await a.post(
          '/admin/groups/ui-group/members',
          { email: 'ui-added@example.test' },
          { from: '/admin/groups/ui-group' },
        )
      ).statusCode,
    ).toBe(302);
    expect((await a.get('/admin/groups/ui-group')).body).toContain('ui-added@example.test');
    // Set up already: the setup page leads to signing in (login-passwords.test.ts walks the page itself).
    const setup = await client().get('/setup?token=x');
    expect(setup.statusCode).toBe(302);
    expect(setup.headers.location).toBe('/login');
  });

  it('creates an API token shown once on the page', async () => {
    const c = client();
    await c.login(adminEmail, adminPassword);
    const refused = await c.post('/tokens', { name: 'no-password' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Enter your current password to create a token');
    const res = await c.post('/tokens', { name: 'from-ui', currentPassword: adminPassword });
    // Post/redirect/get: the value is shown on the page the redirect leads to, once, and never in a URL.
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/tokens');
    const shown = await c.get('/tokens');
    const token = /<code class="token"[^>]*>(tsr_[^<]+)<\/code>/.exec(shown.body)![1]!;
    expect(shown.headers['cache-control']).toBe('no-store');
    expect((await h.api('GET', '/api/v1/me', token)).statusCode).toBe(200);
    // Reloading shows no token and creates none.
    const again = await c.get('/tokens');
    expect(again.body).not.toContain(token);
    expect((await h.tresor.sessions.tokens(h.admin)).filter((t) => t.name === 'from-ui')).toHaveLength(1);
    // Another browser (another session) cannot read the sealed token cookie.
    expect(c.cookie('tresor_new_token')).toBeUndefined();
  });
});

describe('login rate limit (PGlite)', () => {
  it('engages after the configured attempts per account and address, and leaves other accounts alone', async () => {
    const h = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '3' });
    try {
      const c = new UiClient(h.app);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await c.login('victim@example.test', `guess-${i}`)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
      expect((await c.login(adminEmail, adminPassword)).statusCode).toBe(302);
    } finally {
      await h.close();
    }
  });
});
