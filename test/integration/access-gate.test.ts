/**
 * The holes the access gate closes, one test per hole, on both databases, at the service
 * level (the UI, the API, the CLI and modules all go through it). Each failed on the main
 * branch before the gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal, type UserPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { createGroup, createUser } from '../support/principals.ts';
import { sshKey } from '../support/ssh-keys.ts';

const password = 'correct horse battery staple';
const smtpFields = (pw: string) => ({
  host: 'smtp.example.test',
  port: 587,
  security: 'starttls',
  username: 'mailer',
  password: pw,
});

describe.each(databaseKinds)('the access gate on %s', (kind) => {
  let t: TestTresor;
  let admin: UserPrincipal;
  let serial = 0;
  const name = (label: string) => `${label}-${++serial}`;
  const rows = async (action: string) =>
    (await t.tresor.audit.query(t.admin, { action, limit: 1000 })).filter((r) => r.action === action);

  beforeAll(async () => {
    t = await testTresor(kind);
    admin = t.admin as UserPrincipal;
  });
  afterAll(async () => t?.close());

  describe('1. a manager redirects a secret to a server of its choosing', () => {
    it('refuses a destination change that keeps the stored password, naming the secret field', async () => {
      const manager = await createUser(t.tresor, admin, 'manager', ['SECRET_MANAGEMENT'], ['system']);
      const s = await t.tresor.secrets.create(admin, {
        type: 'smtp',
        name: name('relay'),
        fields: smtpFields('the-real-password'),
      });
      for (const change of [{ host: 'evil.example.test' }, { port: 2525 }, { security: 'none' }]) {
        const error = await t.tresor.secrets
          .update(manager, s.id, { fields: change, merge: true })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'fields.password' });
        expect((error as Error).message).toMatch(/Password must be entered again/);
      }
      // The owner is held to the same rule; with the password entered again the change goes through.
      await expect(
        t.tresor.secrets.update(admin, s.id, { fields: { host: 'b.example.test' }, merge: true }),
      ).rejects.toMatchObject({ field: 'fields.password' });
      const moved = await t.tresor.secrets.update(manager, s.id, {
        fields: { host: 'b.example.test', password: 'a-new-password' },
        merge: true,
      });
      expect(moved.secret.version).toBe(2);
      expect((await t.tresor.secrets.describe(admin, s.id)).fields.host).toBe('b.example.test');
    });

    it('holds for a Jira site URL, and lets non-destination fields change alone', async () => {
      const s = await t.tresor.secrets.create(admin, {
        type: 'jira',
        name: name('jira'),
        fields: { siteUrl: 'https://team.atlassian.net', email: 'bot@example.test', apiToken: 'tok' },
      });
      await expect(
        t.tresor.secrets.update(admin, s.id, { fields: { siteUrl: 'https://evil.example.test' }, merge: true }),
      ).rejects.toMatchObject({ field: 'fields.apiToken' });
      expect(
        (await t.tresor.secrets.update(admin, s.id, { fields: { email: 'other@example.test' }, merge: true })).changed,
      ).toBe(true);
    });
  });

  describe('2. a manager shares any secret with itself', () => {
    it('refuses a manager sharing a secret it does not own with itself or a group it is in, and records it', async () => {
      const group = await createGroup(t.tresor, admin, 'team');
      const manager = await createUser(t.tresor, admin, 'manager', ['SECRET_MANAGEMENT'], [group.name]);
      const other = await createUser(t.tresor, admin, 'other');
      const owner = await createUser(t.tresor, admin, 'owner', ['SECRET_MANAGEMENT_CREATE']);
      const s = await t.tresor.secrets.create(owner, {
        type: 'password',
        name: name('payroll'),
        fields: { password: 'pw' },
      });
      const before = (await rows('access.denied')).length;
      await expect(t.tresor.shares.share(manager, s.id, { user: manager.email })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.shares.share(manager, s.id, { group: group.name })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      expect((await rows('access.denied')).length).toBe(before + 2);
      await expect(t.tresor.usage.useAny(manager, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // Managing is still allowed: sharing with someone else works.
      expect((await t.tresor.shares.share(manager, s.id, { user: other.email })).kind).toBe('user');
    });

    it('refuses a manager who is also GROUP_ADMIN joining a group a secret is shared with', async () => {
      const group = await createGroup(t.tresor, admin, 'holders');
      const both = await createUser(t.tresor, admin, 'both', ['SECRET_MANAGEMENT', 'GROUP_ADMIN']);
      const s = await t.tresor.secrets.create(admin, {
        type: 'password',
        name: name('shared'),
        fields: { password: 'pw' },
      });
      await t.tresor.shares.share(both, s.id, { group: group.name });
      await expect(t.tresor.groups.addMember(both, group.name, both.id)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.usage.useAny(both, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('3. delegated admin roles are root', () => {
    it('a GROUP_ADMIN cannot grant what it lacks, nor join groups', async () => {
      const groupAdmin = await createUser(t.tresor, admin, 'gadmin', ['GROUP_ADMIN']);
      const mine = await t.tresor.groups.create(groupAdmin, { name: name('mine') });
      for (const p of ['SECRET_MANAGEMENT', 'USER_ADMIN', 'KEY_ADMIN', 'AUDIT_READ'] as const) {
        await expect(t.tresor.groups.grant(groupAdmin, { groupId: mine.name }, p)).rejects.toMatchObject({
          code: 'ACCESS_DENIED',
        });
      }
      await expect(t.tresor.groups.addMember(groupAdmin, mine.name, groupAdmin.id)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.groups.addMember(groupAdmin, 'system', groupAdmin.id)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      expect(await t.tresor.groups.grants(admin, { groupId: mine.name })).toEqual([]);
      expect((await t.tresor.gate.facts(groupAdmin)).groupIds.size).toBe(0);
    });

    it('a GROUP_ADMIN cannot change the members of a group that holds more than it does', async () => {
      const groupAdmin = await createUser(t.tresor, admin, 'gadmin', ['GROUP_ADMIN']);
      const accomplice = await createUser(t.tresor, admin, 'accomplice');
      const admins = await createGroup(t.tresor, admin, 'admins');
      await t.tresor.groups.grant(admin, { groupId: admins.name }, 'USER_ADMIN');
      await expect(t.tresor.groups.addMember(groupAdmin, admins.name, accomplice.id)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.groups.delete(groupAdmin, admins.name)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      const plain = await createGroup(t.tresor, admin, 'plain');
      await t.tresor.groups.addMember(groupAdmin, plain.name, accomplice.id);
      expect((await t.tresor.groups.members(groupAdmin, plain.name)).map((u) => u.id)).toEqual([accomplice.id]);
    });

    it('a USER_ADMIN cannot reset the password of, or disable, a user who holds more, nor grant itself anything', async () => {
      const userAdmin = await createUser(t.tresor, admin, 'uadmin', ['USER_ADMIN']);
      await expect(t.tresor.users.setPassword(userAdmin, admin.id, 'a brand new long password')).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.users.setDisabled(userAdmin, admin.id, true)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.groups.grant(userAdmin, { userId: userAdmin.id }, 'USER_ADMIN')).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.groups.grant(userAdmin, { userId: userAdmin.id }, 'KEY_ADMIN')).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      // The administrator can still sign in with the old password.
      expect((await t.tresor.users.authenticate((await t.tresor.users.get(admin, admin.id)).email, password)).id).toBe(
        admin.id,
      );
    });

    it("an administrator never sets another's password; a local-mode reset forces a change; one's own asks for the current one", async () => {
      const userAdmin = await createUser(t.tresor, admin, 'uadmin', ['USER_ADMIN']);
      const plain = await createUser(t.tresor, admin, 'plain');
      await expect(
        t.tresor.users.setPassword(userAdmin, plain.id, 'chosen by the administrator'),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'password',
      });
      await expect(t.tresor.users.authenticate(plain.email, 'chosen by the administrator')).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      await t.tresor.users.setPassword(systemPrincipal, plain.id, 'reset by the administrator');
      expect((await t.tresor.users.authenticate(plain.email, 'reset by the administrator')).mustChangePassword).toBe(
        true,
      );
      const self: UserPrincipal = { kind: 'user', id: plain.id, via: 'session' };
      await expect(t.tresor.users.setPassword(self, plain.id, 'my very own password')).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'currentPassword',
      });
      await expect(
        t.tresor.users.setPassword({ ...self, via: 'token' }, plain.id, 'my very own password', {
          currentPassword: 'reset by the administrator',
        }),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await t.tresor.users.setPassword(self, plain.id, 'my very own password', {
        currentPassword: 'reset by the administrator',
      });
      expect((await t.tresor.users.authenticate(plain.email, 'my very own password')).mustChangePassword).toBe(false);
    });
  });

  describe('4. tokens', () => {
    it('a token minted with a one-hour token never outlives it, is no wider, and is revoked with it', async () => {
      const user = await createUser(t.tresor, admin, 'scripter');
      const hour = await t.tresor.sessions.createTokenForCredentials(user.id);
      const parent: UserPrincipal = {
        kind: 'user',
        id: user.id,
        via: 'token',
        scope: 'full',
        credential: { tokenId: hour.info.id, expiresAt: hour.info.expiresAt },
      };
      const child = await t.tresor.sessions.createToken(parent, { name: 'forever' });
      expect(child.info.expiresAt?.getTime()).toBe(hour.info.expiresAt?.getTime());
      expect(await t.tresor.sessions.tokenHolder(child.token)).toMatchObject({ userId: user.id });
      await t.tresor.sessions.revokeToken(parent, hour.info.id);
      expect(await t.tresor.sessions.tokenHolder(child.token)).toBeUndefined();
    });

    it('audits tokens from every path, and a read-only token may read but never change, use or mint', async () => {
      const user = await createUser(t.tresor, admin, 'reader', [
        'SECRET_MANAGEMENT_CREATE',
        'SECRET_MANAGEMENT_UPDATE',
      ]);
      const before = (await rows('token.created')).length;
      const issued = await t.tresor.sessions.createTokenForCredentials(user.id, { scope: 'read' });
      const created = await rows('token.created');
      expect(created.length).toBe(before + 1);
      expect(created[0]!.details).toMatchObject({ scope: 'read', via: 'credentials' });
      const s = await t.tresor.secrets.create(user, {
        type: 'password',
        name: name('mine'),
        fields: { password: 'pw' },
      });
      const reader: UserPrincipal = {
        kind: 'user',
        id: user.id,
        via: 'token',
        scope: 'read',
        credential: { tokenId: issued.info.id, expiresAt: issued.info.expiresAt },
      };
      expect((await t.tresor.secrets.get(reader, s.id)).id).toBe(s.id);
      expect((await t.tresor.secrets.list(reader)).map((x) => x.id)).toContain(s.id);
      await expect(t.tresor.secrets.update(reader, s.id, { description: 'x' })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      await expect(t.tresor.usage.useAny(reader, s.id)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(
        t.tresor.secrets.create(reader, { type: 'password', name: name('x'), fields: { password: 'pw' } }),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.sessions.createToken(reader, { name: 'wider' })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
    });

    it('a token minted from a web session needs the current password', async () => {
      const user = await createUser(t.tresor, admin, 'web');
      const session: UserPrincipal = {
        kind: 'user',
        id: user.id,
        via: 'session',
        credential: { expiresAt: new Date(Date.now() + 3600_000) },
      };
      await expect(t.tresor.sessions.createToken(session, { name: 'ci' })).rejects.toMatchObject({
        field: 'currentPassword',
      });
      expect(
        (await t.tresor.sessions.createToken(session, { name: 'ci', currentPassword: password, expiresInDays: 90 }))
          .info.name,
      ).toBe('ci');
    });
  });

  describe('5. existence oracles', () => {
    it('sharing a secret one may not share tells nothing about the recipient; missing and disabled recipients answer alike', async () => {
      const owner = await createUser(t.tresor, admin, 'owner', [
        'SECRET_MANAGEMENT_CREATE',
        'SECRET_MANAGEMENT_UPDATE',
      ]);
      const stranger = await createUser(t.tresor, admin, 'stranger');
      const disabled = await createUser(t.tresor, admin, 'gone');
      await t.tresor.users.setDisabled(admin, disabled.id, true);
      const s = await t.tresor.secrets.create(owner, { type: 'password', name: name('s'), fields: { password: 'pw' } });
      const probe = (who: string) =>
        t.tresor.shares
          .share(stranger, s.id, { user: who })
          .catch((e: Error & { code: string }) => `${e.code}: ${e.message}`);
      expect(await probe('nobody@example.test')).toBe(await probe(owner.email));
      expect(await probe('nobody@example.test')).toMatch(/^NOT_FOUND/);
      const missing = await t.tresor.shares.share(owner, s.id, { user: 'nobody@example.test' }).then(
        () => 'shared',
        (e: Error) => e.message,
      );
      const gone = await t.tresor.shares.share(owner, s.id, { user: disabled.email }).then(
        () => 'shared',
        (e: Error) => e.message,
      );
      expect(missing.replace('nobody@example.test', 'X')).toBe(gone.replace(disabled.email, 'X'));
    });

    it('permissions are readable by the principal itself and administrators only', async () => {
      const a = await createUser(t.tresor, admin, 'a', ['SECRET_MANAGEMENT_CREATE']);
      const b = await createUser(t.tresor, admin, 'b');
      expect(await t.tresor.groups.grants(a, { userId: a.id })).toEqual(['SECRET_MANAGEMENT_CREATE']);
      await expect(t.tresor.groups.grants(b, { userId: a.id })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.groups.grants(b, { groupId: 'system' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.groups.grants(b, { groupId: 'no-such-group' })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
      expect(await t.tresor.groups.grants(admin, { userId: a.id })).toEqual(['SECRET_MANAGEMENT_CREATE']);
    });

    it('a principal without the create permission is refused before its input is looked at (no name oracle)', async () => {
      const taken = await t.tresor.secrets.create(admin, {
        type: 'password',
        name: name('payroll-db'),
        fields: { password: 'pw' },
      });
      const nobody = await createUser(t.tresor, admin, 'nobody');
      await expect(
        t.tresor.secrets.create(nobody, { type: 'password', name: taken.name, fields: { password: 'pw' } }),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.secrets.create(nobody, { type: 'nope', name: '', fields: 7 })).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
    });
  });

  describe('6. reads are not audited', () => {
    it('records reading metadata, fields, versions and shares, and listing every secret', async () => {
      const manager = await createUser(t.tresor, admin, 'auditor', ['SECRET_MANAGEMENT']);
      const s = await t.tresor.secrets.create(admin, {
        type: 'password',
        name: name('read-me'),
        fields: { password: 'pw' },
      });
      await t.tresor.secrets.get(manager, s.id);
      await t.tresor.secrets.describe(manager, s.id);
      await t.tresor.secrets.versions(manager, s.id);
      await t.tresor.shares.shares(manager, s.id);
      const views = (await rows('secret.read'))
        .filter((r) => r.targetId === s.id && r.actorId === manager.id)
        .map((r) => (r.details as { view: string }).view);
      expect(views.sort()).toEqual(['fields', 'metadata', 'shares', 'versions']);
      await t.tresor.secrets.list(manager, { all: true });
      expect(
        (await rows('secret.listed')).some((r) => r.actorId === manager.id && (r.details as { all: boolean }).all),
      ).toBe(true);
    });
  });

  describe('7. a passphrase oracle without a trace', () => {
    it('answers a right and a wrong passphrase guess alike, and records the refusal', async () => {
      const key = sshKey('ed25519');
      const s = await t.tresor.secrets.create(admin, {
        type: 'ssh-key',
        name: name('deploy'),
        fields: { privateKey: key.opensshEncrypted('the-passphrase'), passphrase: 'the-passphrase' },
      });
      const manager = await createUser(t.tresor, admin, 'prober', ['SECRET_MANAGEMENT']);
      const answer = (guess: string) =>
        t.tresor.secrets.update(manager, s.id, { fields: { passphrase: guess } }).then(
          () => 'ok',
          (e: Error & { field?: string }) => `${e.field}: ${e.message}`,
        );
      const right = await answer('the-passphrase');
      const wrong = await answer('a-wrong-guess');
      expect(right).toBe(wrong);
      expect(right).toMatch(/^fields.privateKey: .*must be entered again/);
      const refused = (await rows('secret.update_refused')).filter((r) => r.targetId === s.id);
      expect(refused).toHaveLength(2);
      expect(JSON.stringify(refused)).not.toContain('the-passphrase');
    });

    it('entering the stored value of a secret field writes a version, so "unchanged" confirms no guess', async () => {
      const s = await t.tresor.secrets.create(admin, {
        type: 'password',
        name: name('pw'),
        fields: { password: 'the-stored-one' },
      });
      const manager = await createUser(t.tresor, admin, 'guesser', ['SECRET_MANAGEMENT']);
      const same = await t.tresor.secrets.update(manager, s.id, { fields: { password: 'the-stored-one' } });
      const other = await t.tresor.secrets.update(manager, s.id, { fields: { password: 'a-guess' } });
      expect([same.changed, other.changed]).toEqual([true, true]);
      expect(other.secret.version).toBe(3);
    });
  });

  describe('8. names that look alike', () => {
    it('compares names case-insensitively and refuses names shaped like ids', async () => {
      const lower = name('jira-ops');
      const s = await t.tresor.secrets.create(admin, { type: 'password', name: lower, fields: { password: 'pw' } });
      await expect(
        t.tresor.secrets.create(admin, { type: 'password', name: lower.toUpperCase(), fields: { password: 'pw' } }),
      ).rejects.toMatchObject({ code: 'CONFLICT', field: 'name' });
      expect((await t.tresor.secrets.get(admin, lower.toUpperCase())).id).toBe(s.id);
      await expect(
        t.tresor.secrets.create(admin, {
          type: 'password',
          name: '0b4f3c2a-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
          fields: { password: 'pw' },
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
    });
  });

  describe('the gate itself', () => {
    it('key status and rotation need KEY_ADMIN; refusals of every administration permission are audited', async () => {
      const plain = await createUser(t.tresor, admin, 'keyless');
      const keyAdmin = await createUser(t.tresor, admin, 'keyadmin', ['KEY_ADMIN']);
      const before = (await rows('access.denied')).filter((r) => r.actorId === plain.id).length;
      await expect(t.tresor.keys.status(plain)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.keys.rotate(plain)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.users.list(plain)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.groups.create(plain, { name: 'g' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(t.tresor.audit.query(plain)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      const denied = (await rows('access.denied'))
        .filter((r) => r.actorId === plain.id)
        .map((r) => (r.details as { operation: string }).operation);
      expect(denied.length - before).toBe(5);
      expect(denied).toEqual(expect.arrayContaining(['KEY_ADMIN', 'USER_ADMIN', 'GROUP_ADMIN', 'AUDIT_READ']));
      expect((await t.tresor.keys.status(keyAdmin)).currentVersion).toBeGreaterThanOrEqual(1);
    });

    it('opens payloads only for grants it issued: nothing public opens unchecked', async () => {
      expect('openUnchecked' in t.tresor.secrets).toBe(false);
      const s = await t.tresor.secrets.create(admin, {
        type: 'password',
        name: name('sealed'),
        fields: { password: 'pw' },
      });
      const real = await t.tresor.gate.check(admin, s.id, 'read');
      const forged = { ...real };
      await expect(
        Promise.resolve().then(() => t.tresor.gate.open(t.tresor.database.db, forged)),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      const versionsOnly = await t.tresor.gate.check(admin, s.id, 'versions');
      await expect(
        Promise.resolve().then(() => t.tresor.gate.open(t.tresor.database.db, versionsOnly)),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      expect((await t.tresor.gate.open(t.tresor.database.db, real)).password).toBe('pw');
    });
  });
});
