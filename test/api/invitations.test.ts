/**
 * Nobody knows another person's password: invitations and password resets by mailed one-time
 * links, through a real SMTP server, over the API and the UI, on both databases. The puppet
 * path (a USER_ADMIN who also manages secrets choosing a user's password, then signing in as
 * it) is closed: shown first.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UiClient } from '../support/browser-session.ts';
import { converges } from '../support/converges.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { dumpTables } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';
import { type ReceivedMail, relaySecretFields, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const publicUrl = 'https://tresor.example.test';
const password = 'correct horse battery staple';

/** The token of the newest link mailed to `to`, waiting for the mail (a forgotten-password mail leaves after the answer). */
async function linkMailedTo(
  smtp: TestSmtpServer,
  to: string,
  after = 0,
): Promise<{ mail: ReceivedMail; token: string }> {
  const find = () => smtp.received.slice(after).findLast((m) => m.to.includes(to));
  await converges(async () => find() !== undefined, 20_000);
  const mail = find()!;
  const found = /https:\/\/tresor\.example\.test\/password\/choose\?token=([A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!found) throw new Error(`no link in the mail: ${mail.text}`);
  return { mail, token: found[1]! };
}

describe.each(databaseKinds)('invitations and password resets on %s', (kind) => {
  let h: TestApp;
  let smtp: TestSmtpServer;
  let adminToken: string;
  beforeAll(async () => {
    smtp = await startSmtpServer('none', { username: 'relay', password: 'relay-password' });
    h = await testApp(kind, { TRESOR_PUBLIC_URL: publicUrl, TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
    await h.tresor.secrets.create(h.admin, { type: 'smtp', name: 'relay', fields: relaySecretFields(smtp) });
    adminToken = await h.tokenFor(h.admin);
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  it('closes the puppet path: a USER_ADMIN who manages secrets can no longer sign in as a user it created', async () => {
    const manager = await createUser(h.tresor, h.admin, 'puppeteer', ['USER_ADMIN', 'SECRET_MANAGEMENT']);
    const token = await h.tokenFor(manager);
    const email = `puppet-${kind}@example.test`;
    const withPassword = await h.api('POST', '/api/v1/users', token, { email, password: 'chosen by the puppeteer' });
    expect(withPassword.statusCode).toBe(422);
    expect(withPassword.json().error.field).toBe('password');
    expect(await h.tresor.users.findByEmail(email)).toBeUndefined();

    const invited = await h.api('POST', '/api/v1/users', token, { email });
    expect(invited.statusCode).toBe(201);
    expect(invited.json().invitation).toMatchObject({ mailed: true });
    const { token: linkToken } = await linkMailedTo(smtp, email);
    // The link reached the invitee only: not the inviter's answer, not the audit trail, not a table.
    expect(invited.body).not.toContain(linkToken);
    const everything = await dumpTables(h.database.handle.raw);
    expect(everything).not.toContain(linkToken);

    // Neither a password set afterwards nor any guess gets the puppeteer in.
    const puppet = invited.json().id as string;
    const set = await h.api('PATCH', `/api/v1/users/${puppet}`, token, { password: 'chosen by the puppeteer' });
    expect(set.statusCode).toBe(422);
    expect(set.json().error.field).toBe('password');
    for (const guess of ['chosen by the puppeteer', '', password]) {
      const signIn = await h.api('POST', '/api/v1/auth/token', undefined, { email, password: guess });
      expect(signIn.statusCode).toBe(401);
    }
    const ui = await new UiClient(h.app).login(email, 'chosen by the puppeteer');
    expect(ui.statusCode).toBe(401);
  });

  it('an invitee chooses the password through the link, once; a refused password leaves the link working', async () => {
    const email = `invitee-${kind}@example.test`;
    const invited = await h.api('POST', '/api/v1/users', adminToken, { email, displayName: 'Invitee' });
    expect(invited.statusCode).toBe(201);
    const expiresAt = new Date(invited.json().invitation.expiresAt).getTime();
    expect(expiresAt - Date.now()).toBeGreaterThan(71 * 3_600_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(72 * 3_600_000);
    const { mail, token } = await linkMailedTo(smtp, email);
    expect(mail.subject).toBe('You are invited to Tresor');

    const browser = new UiClient(h.app);
    const page = await browser.get(`/password/choose?token=${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Welcome to Tresor');
    expect(page.body).toContain(email);
    const from = `/password/choose?token=${token}`;
    const differ = await browser.post('/password/choose', { token, password, confirm: 'something else' }, { from });
    expect(differ.statusCode).toBe(422);
    expect(differ.body).toContain('The two passwords differ');
    const short = await browser.post('/password/choose', { token, password: 'short', confirm: 'short' }, { from });
    expect(short.statusCode).toBe(422);
    expect(short.body).toContain('12 characters');

    const chosen = await browser.post('/password/choose', { token, password, confirm: password }, { from });
    expect(chosen.statusCode).toBe(302);
    expect(chosen.headers.location).toBe('/login');
    expect((await browser.get('/login')).body).toContain('Password saved. Sign in with it.');
    expect((await browser.login(email, password)).statusCode).toBe(302);

    const again = await h.api('POST', '/api/v1/auth/password', undefined, { token, password: 'another long password' });
    expect(again.statusCode).toBe(401);
    expect((await new UiClient(h.app).get(from)).body).toContain('This link does not work');
    const actions = (await h.tresor.audit.query(h.admin, { limit: 50 }))
      .filter((e) => e.targetName === email)
      .map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.invited', 'user.password_chosen']));
  });

  it('forgotten password: one answer for every address, a mail only to the account, and the reset ends sessions and tokens', async () => {
    const user = await createUser(h.tresor, h.admin, `forgetful-${kind}`);
    const disabled = await createUser(h.tresor, h.admin, `gone-${kind}`);
    await h.tresor.users.setDisabled(h.admin, disabled.id, true);
    const session = new UiClient(h.app);
    await session.login(user.email, password);
    const oldToken = await h.tokenFor(user);
    const before = smtp.received.length;

    const answers = await Promise.all(
      [user.email, `nobody-${kind}@example.test`, disabled.email, 'not an address'].map((email) =>
        h.api('POST', '/api/v1/auth/password-reset', undefined, { email }),
      ),
    );
    for (const answer of answers) {
      expect(answer.statusCode).toBe(202);
      expect(answer.body).toBe(answers[0]!.body);
    }
    const { mail, token } = await linkMailedTo(smtp, user.email, before);
    expect(mail.subject).toBe('Reset your Tresor password');
    expect(smtp.received.slice(before).map((m) => m.to.join())).toEqual([user.email]);
    // Asked again within the minute: the same answer, and no new link (a new one would void the
    // mailed one, which is used below).
    const again = await h.api('POST', '/api/v1/auth/password-reset', undefined, { email: user.email });
    expect(again.body).toBe(answers[0]!.body);

    // The password stays until the link is used.
    expect((await h.api('POST', '/api/v1/auth/token', undefined, { email: user.email, password })).statusCode).toBe(
      200,
    );
    const chosen = await h.api('POST', '/api/v1/auth/password', undefined, {
      token,
      password: 'a brand new long password',
    });
    expect(chosen.statusCode).toBe(200);
    expect(chosen.json()).toEqual({ email: user.email });
    expect((await h.api('GET', '/api/v1/me', oldToken)).statusCode).toBe(401);
    expect((await session.get('/secrets')).statusCode).toBe(302);
    expect((await h.api('POST', '/api/v1/auth/token', undefined, { email: user.email, password })).statusCode).toBe(
      401,
    );
    expect(
      (
        await h.api('POST', '/api/v1/auth/token', undefined, {
          email: user.email,
          password: 'a brand new long password',
        })
      ).statusCode,
    ).toBe(200);
  });

  it("an administrator's reset mails a link (never sets a password), within what the gate allows", async () => {
    const user = await createUser(h.tresor, h.admin, `reset-by-admin-${kind}`);
    const before = smtp.received.length;
    const sent = await h.api('POST', `/api/v1/users/${user.id}/password-reset`, adminToken);
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ mailed: true });
    const { mail, token } = await linkMailedTo(smtp, user.email, before);
    expect(mail.text).toContain('sent you');
    expect(sent.body).not.toContain(token);

    // A USER_ADMIN may not reset whoever holds more than it (the administrator).
    const userAdmin = await h.tokenFor(await createUser(h.tresor, h.admin, 'uadmin', ['USER_ADMIN']));
    const admin = h.admin as { id: string };
    expect((await h.api('POST', `/api/v1/users/${admin.id}/password-reset`, userAdmin)).statusCode).toBe(403);
    // A plain user may not reset anyone.
    const plain = await h.tokenFor(await createUser(h.tresor, h.admin, 'plain'));
    expect((await h.api('POST', `/api/v1/users/${user.id}/password-reset`, plain)).statusCode).toBe(403);
    // Invite again is for those who have not chosen a password yet.
    expect((await h.api('POST', `/api/v1/users/${user.id}/invitation`, adminToken)).statusCode).toBe(409);
  });

  it('an invitation stops working after 72 hours; a new one voids the old', async () => {
    const email = `late-${kind}@example.test`;
    const invited = await h.api('POST', '/api/v1/users', adminToken, { email });
    const { token: first } = await linkMailedTo(smtp, email);
    const before = smtp.received.length;
    const again = await h.api('POST', `/api/v1/users/${invited.json().id}/invitation`, adminToken);
    expect(again.statusCode).toBe(200);
    const { token: second } = await linkMailedTo(smtp, email, before);
    expect(second).not.toBe(first);
    expect((await h.api('POST', '/api/v1/auth/password', undefined, { token: first, password })).statusCode).toBe(401);

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 73 * 3_600_000 });
    try {
      expect((await h.api('POST', '/api/v1/auth/password', undefined, { token: second, password })).statusCode).toBe(
        401,
      );
    } finally {
      vi.useRealTimers();
    }
    expect((await h.api('POST', '/api/v1/auth/password', undefined, { token: second, password })).statusCode).toBe(200);
  });

  it('the admin page invites and offers the right link per user; the login page offers "Forgot your password?"', async () => {
    const admin = new UiClient(h.app);
    const adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
    await admin.login(adminEmail, password);
    const page = await admin.get('/admin/users');
    expect(page.body).not.toContain('name="password"');
    const email = `ui-invited-${kind}@example.test`;
    const invited = await admin.post('/admin/users', { email }, { from: '/admin/users' });
    expect(invited.statusCode).toBe(302);
    const after = await admin.get('/admin/users');
    expect(after.body).toContain('Invited: a link to choose a password is on its way');
    expect(after.body).toMatch(new RegExp(`${email}[\\s\\S]*?invited \\(until <time`));
    expect(after.body).toContain('Invite again');
    expect(after.body).toContain('Send reset link');
    await linkMailedTo(smtp, email);

    const login = await new UiClient(h.app).get('/login');
    expect(login.body).toContain('href="/forgot-password"');
    const visitor = new UiClient(h.app);
    const asked = await visitor.post('/forgot-password', { email: `nobody-ui-${kind}@example.test` });
    expect(asked.statusCode).toBe(302);
    expect((await visitor.get('/login')).body).toContain('If that address belongs to an account');
  });
});

describe('invitations without a mail relay', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '3' });
  });
  afterAll(async () => h?.close());

  it('creates the user and says the mail did not go out (sent again once a relay exists)', async () => {
    const token = await h.tokenFor(h.admin);
    const invited = await h.api('POST', '/api/v1/users', token, { email: 'no-relay@example.test' });
    expect(invited.statusCode).toBe(201);
    expect(invited.json().invitation).toMatchObject({ mailed: false, problem: expect.stringMatching(/SMTP/) });
    const events = await h.tresor.audit.query(h.admin, { action: 'user.invited' });
    expect(events[0]?.details).toEqual({ mailed: false, by: 'administrator' });
  });

  it('rate-limits the forgotten-password form per address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await h.api('POST', '/api/v1/auth/password-reset', undefined, { email: 'someone@example.test' })).statusCode,
      );
    expect(codes.slice(0, 3)).toEqual([202, 202, 202]);
    expect(codes.slice(3)).toEqual([429, 429]);
  });
});
