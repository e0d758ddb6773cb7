import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';
import { databaseKinds, freshDatabase, type TestTresor, testConfig, testTresor } from '../support/databases.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('identity on %s', (kind) => {
  let t: TestTresor;
  beforeAll(async () => {
    t = await testTresor(kind);
  });
  afterAll(() => t?.close());

  it('authenticates with the right password only, with one message for every failure', async () => {
    const user = await createUser(t.tresor, t.admin, 'login');
    expect((await t.tresor.users.authenticate(user.email.toUpperCase(), 'correct horse battery staple')).id).toBe(
      user.id,
    );
    const failures = await Promise.all([
      t.tresor.users.authenticate(user.email, 'wrong password!').then(
        () => new Error('accepted'),
        (e: Error) => e,
      ),
      t.tresor.users.authenticate('nobody@example.test', 'correct horse battery staple').then(
        () => new Error('accepted'),
        (e: Error) => e,
      ),
    ]);
    expect(failures.map((e) => [(e as { code?: string }).code, e.message])).toEqual([
      ['UNAUTHENTICATED', 'Wrong e-mail or password, or the account is disabled'],
      ['UNAUTHENTICATED', 'Wrong e-mail or password, or the account is disabled'],
    ]);
    await t.tresor.users.setDisabled(t.admin, user.id, true);
    await expect(t.tresor.users.authenticate(user.email, 'correct horse battery staple')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('never stores a password in plaintext: only an argon2id hash', async () => {
    const user = await createUser(t.tresor, t.admin, 'hashed');
    const rows = await t.database.handle.raw.query<{ password_hash: string }>(
      'select password_hash from users where id = $1',
      [user.id],
    );
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('validates user input and names the field; refuses duplicates', async () => {
    await expect(t.tresor.users.create(t.admin, { email: 'not-an-email' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'email',
    });
    await expect(
      t.tresor.users.create(systemPrincipal, { email: 'short@example.test', password: 'short' }),
    ).rejects.toMatchObject({
      field: 'password',
      message: 'Invalid input: password: Password must be at least 12 characters',
    });
    await t.tresor.users.create(t.admin, { email: 'Twice@Example.test' });
    await expect(t.tresor.users.create(t.admin, { email: 'twice@example.test' })).rejects.toMatchObject({
      code: 'CONFLICT',
      field: 'email',
    });
  });

  it('needs USER_ADMIN / GROUP_ADMIN for administration, and protects the system group', async () => {
    const plain = await createUser(t.tresor, t.admin, 'plain');
    await expect(t.tresor.users.create(plain, { email: 'x@example.test' })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await expect(t.tresor.groups.create(plain, { name: 'mine' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(t.tresor.groups.grant(plain, { userId: plain.id }, 'SECRET_MANAGEMENT')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await expect(t.tresor.groups.delete(t.admin, 'system')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'The built-in group "system" cannot be deleted',
    });
    await expect(t.tresor.groups.grant(t.admin, { userId: plain.id }, 'EVERYTHING')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'permission',
    });
    await expect(t.tresor.groups.create(t.admin, { name: 'Bad Name' })).rejects.toMatchObject({ field: 'name' });
  });

  it('gives a member the permissions of its groups', async () => {
    const group = await t.tresor.groups.create(t.admin, { name: 'creators' });
    await t.tresor.groups.grant(t.admin, { groupId: group.name }, 'SECRET_MANAGEMENT_CREATE');
    const user = await createUser(t.tresor, t.admin, 'creator');
    await expect(
      t.tresor.secrets.create(user, { type: 'password', name: 'by-group-perm', fields: { password: 'p' } }),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await t.tresor.groups.addMember(t.admin, 'creators', user.id);
    expect(
      (await t.tresor.secrets.create(user, { type: 'password', name: 'by-group-perm', fields: { password: 'p' } }))
        .ownerId,
    ).toBe(user.id);
  });
});

describe.each(databaseKinds)('first administrator on %s', (kind) => {
  it('is created from TRESOR_ADMIN_EMAIL and TRESOR_ADMIN_PASSWORD on an empty database, once', async () => {
    const database = await freshDatabase(kind);
    try {
      const tresor = await createTresor(testConfig(), { database: database.handle, logger: createLogger('silent') });
      const first = await tresor.bootstrap.firstStart({
        email: 'root@example.test',
        password: 'a long admin password',
      });
      expect(first.kind).toBe('created');
      const admin = await tresor.users.authenticate('root@example.test', 'a long admin password');
      expect(await tresor.groups.grants({ kind: 'user', id: admin.id }, { userId: admin.id })).toEqual([
        'AUDIT_READ',
        'GROUP_ADMIN',
        'KEY_ADMIN',
        'SECRET_MANAGEMENT',
        'USER_ADMIN',
        'WEBHOOK_ADMIN',
      ]);
      expect((await tresor.groups.members({ kind: 'user', id: admin.id }, 'system')).map((u) => u.email)).toEqual([
        'root@example.test',
      ]);
      expect(
        (await tresor.bootstrap.firstStart({ email: 'other@example.test', password: 'another long password' })).kind,
      ).toBe('ready');
    } finally {
      await database.drop();
    }
  });

  it('without credentials issues a one-time setup token that the setup page consumes once', async () => {
    const database = await freshDatabase(kind);
    try {
      const tresor = await createTresor(testConfig(), { database: database.handle, logger: createLogger('silent') });
      const first = await tresor.bootstrap.firstStart({ email: undefined, password: undefined });
      if (first.kind !== 'setup') throw new Error('expected a setup token');
      await expect(
        tresor.bootstrap.completeSetup('forged-token', { email: 'a@example.test', password: 'a long admin password' }),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(
        tresor.bootstrap.completeSetup(first.token, { email: 'a@example.test', password: 'short' }),
      ).rejects.toMatchObject({ field: 'password' });
      const admin = await tresor.bootstrap.completeSetup(first.token, {
        email: 'a@example.test',
        password: 'a long admin password',
      });
      expect(admin.email).toBe('a@example.test');
      await expect(
        tresor.bootstrap.completeSetup(first.token, { email: 'b@example.test', password: 'a long admin password' }),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: 'Setup is already complete; sign in instead' });
      const stored = await database.handle.raw.query<{ token_hash: string }>(
        "select encode(token_hash, 'hex') as token_hash from setup_tokens",
      );
      expect(JSON.stringify(stored)).not.toContain(first.token);
    } finally {
      await database.drop();
    }
  });
});
