/**
 * The statement a change to a secret begins with: the secret's row, locked for the rest of
 * the transaction, together with what the access gate decides on — the acting user's
 * standing and the shares that relate the user to the secret — and, for operations that
 * open the secret, its sealed current version. One round trip where there were four
 * (standing, lock, shares, version), all read in the same snapshot.
 *
 * Everything beside the row is a scalar subquery, not a join: when the lock has to wait for
 * another writer, PostgreSQL re-reads the locked row and evaluates the subqueries again for
 * it, but in the statement's snapshot, where the version that writer added is not visible
 * yet. The sealed version is then absent, and the gate reads it with a statement of its own.
 */
import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { StoredPayload } from '../crypto/space-keys.ts';
import type { Executor } from '../db/client.ts';
import { compiled } from '../db/compiled.ts';
import { secrets, secretVersions, users } from '../db/schema/index.ts';
import { standingColumns, type UserStanding } from '../identity/identity.store.ts';
import { oneByRef, type SecretRow, secretMatch } from '../secrets/secret.store.ts';
import { shareStore } from '../secrets/share.store.ts';

export interface LockedSecret {
  row: SecretRow;
  /** The acting user's standing; undefined for a user that does not exist. */
  standing: UserStanding | undefined;
  directShare: boolean;
  groupShare: boolean;
  /** The current version, sealed; undefined when not asked for or not visible to this statement (see above). */
  sealed: StoredPayload | undefined;
}

// Inside sql`` drizzle renders a column unqualified, which a subquery would read as its own table's: qualified by hand.
const secretId = sql`"secrets"."id"`;
const currentVersion = (column: string) =>
  sql`(select v.${sql.identifier(column)} from ${secretVersions} v
    where v.secret_id = "secrets"."id" and v.environment = '' and v.version = "secrets"."version")`;

function lockedSecretStatement(name: string, match: SQL, withSealed: boolean) {
  const user = sql.placeholder('userId');
  return compiled(name, (db) =>
    db
      .select({
        ...getTableColumns(secrets),
        userDisabled: sql<boolean | null>`(select u.disabled from ${users} u where u.id = ${user})`,
        ...standingColumns(user),
        ...shareStore.relationOfUser(secretId, user),
        ...(withSealed
          ? {
              sealedPayload: currentVersion('payload').mapWith(secretVersions.payload),
              sealedDataKey: currentVersion('data_key').mapWith(secretVersions.dataKey),
              sealedKekVersion: currentVersion('kek_version').mapWith(Number),
              sealedKeySpaceId: sql<string | null>`${currentVersion('key_space_id')}`,
            }
          : {}),
      })
      .from(secrets)
      .where(match)
      .limit(1)
      .for('update'),
  );
}

const statements = {
  byId: lockedSecretStatement('secret_lock_for_user_id', secretMatch.byId, false),
  byName: lockedSecretStatement('secret_lock_for_user_name', secretMatch.byName, false),
  sealedById: lockedSecretStatement('secret_lock_for_user_sealed_id', secretMatch.byId, true),
  sealedByName: lockedSecretStatement('secret_lock_for_user_sealed_name', secretMatch.byName, true),
};

type Found = Awaited<ReturnType<typeof statements.sealedById>>[number];

/** Locks secret `ref` for user `userId` and reads what deciding on it needs (with `sealed`, its current version). */
export async function lockSecretForUser(
  tx: Executor,
  ref: string,
  userId: string,
  sealed: boolean,
): Promise<LockedSecret | undefined> {
  const [byId, byName] = sealed
    ? [statements.sealedById, statements.sealedByName]
    : [statements.byId, statements.byName];
  const found: Partial<Found> | undefined = await oneByRef(
    tx,
    ref,
    (db, v) => byId(db, { ...v, userId }),
    (db, v) => byName(db, { ...v, userId }),
  );
  if (!found) return undefined;
  const {
    userDisabled,
    groupIds,
    permissions,
    spaceRoles,
    directShare,
    groupShare,
    sealedPayload,
    sealedDataKey,
    sealedKekVersion,
    sealedKeySpaceId,
    ...row
  } = found as Found;
  return {
    row,
    standing: userDisabled === null ? undefined : { disabled: userDisabled, groupIds, permissions, spaceRoles },
    directShare,
    groupShare,
    sealed:
      sealedPayload && sealedDataKey && typeof sealedKekVersion === 'number'
        ? {
            payload: sealedPayload,
            dataKey: sealedDataKey,
            kekVersion: sealedKekVersion,
            keySpaceId: sealedKeySpaceId ?? null,
          }
        : undefined,
  };
}
