/** The locale of a request (Accept-Language) through the API and the UI: types, forms and field errors in German. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';

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
});
