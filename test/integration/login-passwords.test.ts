/**
 * Login passwords meet the rule of stored Password secrets (issue "A product, not an admin
 * tool": `password1234` became the first administrator's password, `aaaaaaaaaaaa` was accepted
 * on the account page): the first administrator, the setup page, a user the host's operator
 * makes, one's own change — each refuses a weak password naming the field, changes nothing,
 * and the pages ask for the password twice. With the default minimum strength (3 of 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { buildApp } from '../../src/web/app.ts';
import { UiClient } from '../support/browser-session.ts';
import { databaseKinds, type FreshDatabase, freshDatabase, testConfig } from '../support/databases.ts';

const strong = 'correct horse battery staple';

describe.each(databaseKinds)('login passwords on %s', (kind) => {
  let database: FreshDatabase;
  let t: Tresor;
  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTresor(testConfig({ TRESOR_PASSWORD_MIN_SCORE: '3' }), {
      database: database.handle,
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('refuses a weak first administrator on the setup page, keeping the link; asks twice; then on to sign in', async () => {
    const first = await t.bootstrap.firstStart({ email: undefined, password: undefined });
    if (first.kind !== 'setup') throw new Error('expected a setup token');
    const app = await buildApp(t);
    try {
      const ui = new UiClient(app);
      const from = `/setup?token=${first.token}`;
      const form = await ui.get(from);
      expect(form.body).toContain('name="confirm"');
      const post = (password: string, confirm = password) =>
        ui.post('/setup', { token: first.token, email: 'first@example.test', password, confirm }, { from });
      const differ = await post(strong, 'correct horse battery stapler');
      expect(differ.statusCode).toBe(422);
      expect(differ.body).toContain('The two passwords differ');
      const weak = await post('password1234');
      expect(weak.statusCode).toBe(422);
      expect(weak.body).toContain('Password is too weak');
      expect(weak.body).not.toContain('password1234');
      // Nothing changed: no user, and the link still works.
      expect(await t.users.findByEmail('first@example.test')).toBeUndefined();
      const done = await post(strong);
      expect(done.statusCode).toBe(302);
      expect((await t.users.findByEmail('first@example.test'))?.email).toBe('first@example.test');
      // On to signing in, the address filled in and the password next; the setup link now leads there too.
      expect(done.headers.location).toBe('/login?email=first%40example.test');
      const login = await ui.get('/login?email=first%40example.test');
      expect(login.body).toContain('value="first@example.test"');
      expect(login.body).toMatch(/id="password"[^>]*autofocus/);
      expect(login.body).toContain('Administrator created. Sign in.');
      const again = await ui.get(from);
      expect(again.statusCode).toBe(302);
      expect(again.headers.location).toBe('/login');
    } finally {
      await app.close();
    }
  });

  it('holds every way a login password is set to the rule, naming the field', async () => {
    await expect(
      t.bootstrap.createAdministrator({ email: 'admin2@example.test', password: 'password1234' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'password' });
    await expect(
      t.users.create(systemPrincipal, { email: 'local@example.test', password: 'aaaaaaaaaaaa' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'password' });
    expect(await t.users.findByEmail('local@example.test')).toBeUndefined();
    // A password leaning on the person's own e-mail address is weak for that person.
    await expect(
      t.users.create(systemPrincipal, { email: 'lena.schmidt@example.test', password: 'lena.schmidt@example.test' }),
    ).rejects.toMatchObject({ field: 'password' });
    const user = await t.users.create(systemPrincipal, { email: 'own@example.test', password: strong });
    await expect(
      t.users.setPassword({ kind: 'user', id: user.id }, user.id, 'aaaaaaaaaaaa', { currentPassword: strong }),
    ).rejects.toMatchObject({ field: 'password' });
    // The old password still signs in.
    expect((await t.signIn.password('own@example.test', strong)).email).toBe('own@example.test');
  });

  it('asks for the new password twice on the account page', async () => {
    await t.users.create(systemPrincipal, { email: 'twice@example.test', password: strong });
    const app = await buildApp(t);
    try {
      const ui = new UiClient(app);
      expect((await ui.login('twice@example.test', strong)).statusCode).toBe(302);
      const form = await ui.get('/account/password');
      expect(form.body).toContain('name="confirm"');
      const next = 'a different long passphrase';
      const differ = await ui.post(
        '/account/password',
        { currentPassword: strong, password: next, confirm: `${next}!` },
        { from: '/account/password' },
      );
      expect(differ.statusCode).toBe(422);
      expect(differ.body).toContain('The two passwords differ');
      const weak = await ui.post(
        '/account/password',
        { currentPassword: strong, password: 'aaaaaaaaaaaa', confirm: 'aaaaaaaaaaaa' },
        { from: '/account/password' },
      );
      expect(weak.statusCode).toBe(422);
      expect(weak.body).toContain('Password is too weak');
    } finally {
      await app.close();
    }
  });
});
