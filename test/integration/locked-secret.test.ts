/**
 * The statement a change begins with (src/access/locked-secret.store.ts): the locked row with
 * the user's standing, the shares relating the user to it and the sealed current version,
 * in one round trip — and, when the lock waited for another writer, never a sealed version
 * older than the row it comes with.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockSecretForUser } from '../../src/access/locked-secret.store.ts';
import { migrate } from '../../src/db/migrate.ts';
import { defaultSpaceId } from '../../src/db/schema/spaces.ts';
import { identityStore } from '../../src/identity/identity.store.ts';
import { type SecretRow, secretStore } from '../../src/secrets/secret.store.ts';
import { shareStore } from '../../src/secrets/share.store.ts';
import { databaseKinds, type FreshDatabase, freshDatabase } from '../support/databases.ts';

const secretRow = (name: string, ownerId: string | null): SecretRow => ({
  id: randomUUID(),
  name,
  spaceId: defaultSpaceId,
  visibility: 'private',
  description: '',
  typeId: 'api-key',
  ownerId,
  version: 1,
  createdAt: new Date(),
  createdBy: ownerId,
  updatedAt: new Date(),
  updatedBy: ownerId,
  expiresAt: null,
  lastUsedAt: null,
  facts: null,
});

const sealedVersion = (secretId: string, version: number) => ({
  secretId,
  environment: '',
  version,
  payload: randomBytes(40),
  dataKey: randomBytes(60),
  kekVersion: 1,
  keySpaceId: null,
  createdBy: null,
  reason: `v${version}`,
  enteredSecrets: [],
});

describe.each(databaseKinds)('the locked read of a change on %s', (kind) => {
  let database: FreshDatabase;
  let owner: string;
  let member: string;
  let stranger: string;
  let group: string;
  beforeAll(async () => {
    database = await freshDatabase(kind);
    await migrate(database.handle);
    const { db } = database.handle;
    const user = async (email: string) =>
      (await identityStore.insertUser(db, { email, displayName: email, passwordHash: null })).id;
    owner = await user('owner@example.com');
    member = await user('member@example.com');
    stranger = await user('stranger@example.com');
    group = (await identityStore.insertGroup(db, { name: 'ops' })).id;
    await identityStore.addMember(db, member, group);
    await identityStore.grant(db, { groupId: group }, 'SECRET_MANAGEMENT_CREATE');
  });
  afterAll(() => database.drop());

  it('reads standing, relation and the sealed current version with the row', async () => {
    const { db } = database.handle;
    const row = secretRow('with-all', owner);
    const v1 = sealedVersion(row.id, 1);
    await secretStore.insert(db, row);
    await secretStore.insertVersion(db, v1);
    await shareStore.insert(db, { secretId: row.id, groupId: group, createdBy: owner });
    await shareStore.insert(db, { secretId: row.id, userId: stranger, createdBy: owner });

    const forMember = await db.transaction((tx) => lockSecretForUser(tx, 'WITH-ALL', member, true));
    expect(forMember?.row).toEqual(row);
    expect(forMember?.standing).toEqual({
      disabled: false,
      groupIds: [group],
      permissions: ['SECRET_MANAGEMENT_CREATE'],
      spaceRoles: [],
    });
    expect([forMember?.directShare, forMember?.groupShare]).toEqual([false, true]);
    expect(forMember?.sealed).toEqual({ payload: v1.payload, dataKey: v1.dataKey, kekVersion: 1, keySpaceId: null });

    const forStranger = await db.transaction((tx) => lockSecretForUser(tx, row.id, stranger, false));
    expect([forStranger?.directShare, forStranger?.groupShare]).toEqual([true, false]);
    expect(forStranger?.standing).toEqual({
      disabled: false,
      groupIds: [],
      permissions: [],
      spaceRoles: [],
    });
    expect(forStranger?.sealed).toBeUndefined();

    await identityStore.updateUser(db, stranger, { disabled: true });
    const disabled = await db.transaction((tx) => lockSecretForUser(tx, row.id, stranger, false));
    expect(disabled?.standing?.disabled).toBe(true);
    await identityStore.updateUser(db, stranger, { disabled: false });

    const unknownUser = await db.transaction((tx) => lockSecretForUser(tx, row.id, randomUUID(), false));
    expect(unknownUser?.standing).toBeUndefined();
    expect(await db.transaction((tx) => lockSecretForUser(tx, 'no-such', owner, true))).toBeUndefined();
  });
});

// PGlite has one connection: no second writer can hold the lock there.
describe.each(databaseKinds.filter((k) => k === 'postgres'))('the locked read of a change on %s, contended', (kind) => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
    await migrate(database.handle);
  });
  afterAll(() => database.drop());

  it('after waiting for another writer: the new row, and its version or none, never the older one', async () => {
    const { db } = database.handle;
    const row = secretRow('contended', null);
    const v1 = sealedVersion(row.id, 1);
    const v2 = sealedVersion(row.id, 2);
    await secretStore.insert(db, row);
    await secretStore.insertVersion(db, v1);

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    const writer = db.transaction(async (tx) => {
      await secretStore.lock(tx, row.id);
      await secretStore.insertVersion(tx, v2);
      await secretStore.advance(tx, row, { ...row, version: 2, updatedAt: new Date() });
      locked();
      await held;
    });
    await lockTaken;
    const waiting = db.transaction((tx) => lockSecretForUser(tx, row.id, randomUUID(), true));
    // The reader is now queued behind the writer's lock (or about to be); the writer commits.
    await new Promise((r) => setTimeout(r, 200));
    release();
    await writer;
    const seen = await waiting;
    expect(seen?.row.version).toBe(2);
    if (seen?.sealed) expect(seen.sealed.payload).toEqual(v2.payload);
  });
});
