/** The locale of a request (Accept-Language) through the API and the UI: types, forms and field errors in German. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

describe('API and UI in the locale the client asks for', () => {
  let h: TestApp;
  let token: string;
  beforeAll(async () => {
    h = await testApp('pglite');
    token = await h.tokenFor(h.admin);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('describes a type in German for Accept-Language: de, in English otherwise', async () => {
    const german = await h.api('GET', '/api/v1/credential-types/smtp', token, undefined, {
      'accept-language': 'de-DE,de;q=0.9,en;q=0.5',
    });
    expect(german.statusCode).toBe(200);
    expect(german.headers['content-language']).toBe('de');
    expect(String(german.headers.vary)).toMatch(/accept-language/i);
    const body = german.json() as {
      name: string;
      formModel: { fields: { key: string; label: string; options?: { value: string; label: string }[] }[] };
      jsonSchema: { title: string; description: string };
    };
    expect(body.name).toBe('SMTP-Postausgangsserver');
    expect(body.jsonSchema.title).toBe('SMTP-Postausgangsserver');
    const security = body.formModel.fields.find((f) => f.key === 'security')!;
    expect(security.label).toBe('Verschlüsselung');
    expect(security.options?.find((o) => o.value === 'none')?.label).toBe('Keine (Klartext)');
    const list = await h.api('GET', '/api/v1/credential-types', token, undefined, { 'accept-language': 'de' });
    expect((list.json() as { items: { id: string; name: string }[] }).items).toContainEqual(
      expect.objectContaining({ id: 'password', name: 'Passwort' }),
    );
    const english = await h.api('GET', '/api/v1/credential-types/smtp', token, undefined, { 'accept-language': 'fr' });
    expect((english.json() as { name: string }).name).toBe('SMTP outgoing server');
    expect(english.headers['content-language']).toBe('en');
  });

  it('answers a validation error in German, naming the field, and stores nothing', async () => {
    const response = await h.api(
      'POST',
      '/api/v1/secrets',
      token,
      { type: 'smtp', name: 'locale-smtp', fields: { host: 'bad host!', port: 0, password: 'x', username: 'u' } },
      { 'accept-language': 'de' },
    );
    expect(response.statusCode).toBe(422);
    const error = (response.json() as { error: { title: string; issues: { path: string; message: string }[] } }).error;
    expect(error.title).toBe('Ungültig: SMTP-Postausgangsserver');
    expect(error.issues).toContainEqual({
      path: 'fields.host',
      message: 'Server muss ein Hostname oder eine IP-Adresse sein',
    });
    expect(error.issues).toContainEqual({ path: 'fields.port', message: 'Port muss mindestens 1 sein' });
    const english = await h.api('POST', '/api/v1/secrets', token, {
      type: 'smtp',
      name: 'locale-smtp',
      fields: { host: 'bad host!', username: 'u', password: 'x' },
    });
    expect(english.json().error.issues).toContainEqual({
      path: 'fields.host',
      message: 'Host must be a host name or IP address',
    });
    const listed = await h.api('GET', '/api/v1/secrets', token);
    expect(JSON.stringify(listed.json())).not.toContain('locale-smtp');
  });

  it('renders the form and its errors in German for a German browser', async () => {
    const ui = new UiClient(h.app);
    ui.headers['accept-language'] = 'de';
    const email = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
    await ui.login(email, 'correct horse battery staple');
    const form = await ui.get('/secrets/new/smtp');
    expect(form.body).toContain('lang="de"');
    expect(form.body).toMatch(/<label for="f-host">Server\s/);
    expect(form.body).toContain('Keine (Klartext)');
    const picker = await ui.get('/secrets/new');
    expect(picker.body).toContain('SMTP-Postausgangsserver');
    const posted = await ui.post('/secrets/new/smtp', {
      name: 'locale-form',
      'fields[host]': 'bad host!',
      'fields[port]': '587',
      'fields[security]': 'starttls',
      'fields[authentication]': 'on',
      'fields[username]': 'u',
      'fields[password]': 'p',
    });
    const shown = posted.statusCode === 303 ? await ui.get(String(posted.headers.location)) : posted;
    expect(shown.body).toContain('Server muss ein Hostname oder eine IP-Adresse sein');
  });

  it("speaks a user's own language in the UI, whatever the browser asks, until they hand it back", async () => {
    const user = await createUser(h.tresor, h.admin, 'sprache', ['SECRET_MANAGEMENT_CREATE'], ['system']);
    const ui = new UiClient(h.app);
    ui.headers['accept-language'] = 'en-GB,en;q=0.9';
    await ui.login(user.email, 'correct horse battery staple');
    const account = await ui.get('/account');
    expect(account.statusCode).toBe(200);
    expect(account.body).toMatch(/<option value="" selected>As my browser asks<\/option>/);
    expect(account.body).toContain('<option value="de" lang="de">Deutsch</option>');
    expect((await ui.get('/secrets/new/smtp')).body).toMatch(/<label for="f-host">Host\s/);

    const saved = await ui.post('/account/language', { locale: 'de' }, { from: '/account' });
    expect(saved.statusCode).toBe(302);
    expect(saved.headers.location).toMatch(/\/account$/);
    const after = await ui.get('/account');
    expect(after.body).toContain('Language saved.');
    expect(after.body).toContain('<option value="de" lang="de" selected>Deutsch</option>');
    const form = await ui.get('/secrets/new/smtp');
    expect(form.headers['content-language']).toBe('de');
    expect(form.body).toMatch(/<label for="f-host">Server\s/);
    const [row] = await h.database.handle.raw.query<{ details: unknown }>(
      "select details from audit_events where action = 'user.locale_changed' and target_id = $1",
      [user.id],
    );
    expect(row?.details).toEqual({ locale: 'de' });

    const refused = await ui.post('/account/language', { locale: 'fr' }, { from: '/account' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Language must be one of: en, de');
    expect((await h.tresor.users.get(h.admin, user.id)).locale).toBe('de');

    await ui.post('/account/language', { locale: '' }, { from: '/account' });
    expect((await ui.get('/secrets/new/smtp')).body).toMatch(/<label for="f-host">Host\s/);
    expect((await h.tresor.users.get(h.admin, user.id)).locale).toBeNull();
  });

  it('sets your own language through the API: PATCH /me, a locale Tresor speaks or null; never with a read-only token', async () => {
    const user = await createUser(h.tresor, h.admin, 'api-sprache');
    const own = await h.tokenFor(user);
    const set = await h.api('PATCH', '/api/v1/me', own, { locale: 'de' });
    expect(set.statusCode).toBe(200);
    expect((set.json() as { locale: string | null }).locale).toBe('de');
    const bad = await h.api('PATCH', '/api/v1/me', own, { locale: 'xx' });
    expect(bad.statusCode).toBe(422);
    expect((bad.json() as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toEqual([
      'locale',
    ]);
    const readOnly = (await h.tresor.sessions.createToken(user, { name: 'ro', scope: 'read' })).token;
    expect((await h.api('PATCH', '/api/v1/me', readOnly, { locale: null })).statusCode).toBe(403);
    const me = await h.api('GET', '/api/v1/me', own);
    expect((me.json() as { locale: string | null }).locale).toBe('de');
    expect((await h.api('PATCH', '/api/v1/me', own, { locale: null })).json()).toMatchObject({ locale: null });
  });
});
