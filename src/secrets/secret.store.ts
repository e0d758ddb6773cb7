/**
 * Database access for secrets and their sealed versions. Other stores reach these tables too,
 * each for one job: the gate's reads (access/locked-secret.store.ts, secret-visibility.store.ts),
 * key rotation (crypto/key.store.ts), transfer, notices, OAuth2, the audit trail's names.
 */
import { and, asc, desc, eq, gt, ilike, lte, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { compiled, slots } from '../db/compiled.ts';
import { storable } from '../db/errors.ts';
import { secrets, secretVersions, spaces, users } from '../db/schema/index.ts';
import { namesSecret } from './reference.store.ts';
import type { ListSort } from './secret-inputs.ts';
import { isSecretId, spacedName } from './secret-rules.ts';

export type SecretRow = typeof secrets.$inferSelect;
export type NewSecretRow = typeof secrets.$inferInsert;
export type VersionRow = typeof secretVersions.$inferSelect;
export type NewVersionRow = typeof secretVersions.$inferInsert;
/** A version as written: every column but the time, which the database sets. */
export type NewVersion = Required<Omit<NewVersionRow, 'createdAt'>>;
/** What changes with the current version. */
export type SecretAdvance = Pick<
  SecretRow,
  'version' | 'description' | 'expiresAt' | 'facts' | 'updatedAt' | 'updatedBy'
>;

// Names compare case-insensitively within a space (one unique index on (space_id, lower(name)) serves
// the lookup); the space is named, and found by its own unique index in the same statement.
const ph = sql.placeholder;
const at = { id: ph('id'), name: ph('name'), space: ph('space') };
const byId = eq(secrets.id, at.id);
const byName = sql`${secrets.spaceId} = (select s.id from ${spaces} s where lower(s.name) = lower(${at.space}))
  and lower(${secrets.name}) = lower(${at.name})`;
/** How a statement finds one secret: by id (placeholder `id`) or by space and name (`space`, `name`). */
export const secretMatch = { byId, byName };

/** Who wrote a version, by name (null: Tresor itself, or a user since deleted). */
const writerName = sql<string | null>`(select coalesce(nullif(u.display_name, ''), u.email) from ${users} u
  where u.id = ${secretVersions.createdBy})`;

/** The current version of one environment's value. */
export interface EnvironmentHead {
  environment: string;
  version: number;
  createdAt: Date;
  createdByName: string | null;
}

// The statements of every request, built once (compiled.ts says why).
/** The columns a new version is written with (both inserts below). */
const versionColumns = [
  'secretId',
  'environment',
  'version',
  'payload',
  'dataKey',
  'kekVersion',
  'keySpaceId',
  'createdBy',
  'reason',
  'enteredSecrets',
] as const;

const statements = {
  findById: compiled('secret_find_id', (db) => db.select().from(secrets).where(byId).limit(1)),
  findByName: compiled('secret_find_name', (db) => db.select().from(secrets).where(byName).limit(1)),
  lockById: compiled('secret_lock_id', (db) => db.select().from(secrets).where(byId).limit(1).for('update')),
  lockByName: compiled('secret_lock_name', (db) => db.select().from(secrets).where(byName).limit(1).for('update')),
  insert: compiled('secret_insert', (db) =>
    db
      .insert(secrets)
      .values(
        slots(secrets, [
          'id',
          'name',
          'spaceId',
          'visibility',
          'description',
          'typeId',
          'ownerId',
          'version',
          'createdAt',
          'createdBy',
          'updatedAt',
          'updatedBy',
          'expiresAt',
          'lastUsedAt',
          'facts',
        ]),
      ),
  ),
  advance: compiled('secret_advance', (db) =>
    db
      .update(secrets)
      .set(slots(secrets, ['version', 'description', 'expiresAt', 'facts', 'updatedAt', 'updatedBy']))
      .where(byId),
  ),
  delete: compiled('secret_delete', (db) => db.delete(secrets).where(byId)),
  // One round trip for the common case: deleted unless a stored configuration names it.
  deleteUnreferenced: compiled('secret_delete_unreferenced', (db) =>
    db
      .delete(secrets)
      .where(
        and(
          byId,
          sql`not exists (select 1 from secret_references r
            where ${namesSecret(sql`r.target_name`, { spaceId: sql`${secrets.spaceId}`, name: sql`${secrets.name}` })}
              and r.secret_id <> ${secrets.id})`,
        ),
      )
      .returning({ id: secrets.id }),
  ),
  insertVersion: compiled('secret_version_insert', (db) =>
    db.insert(secretVersions).values(slots(secretVersions, versionColumns)),
  ),
  // The new version and the retention of old ones in one statement (one round trip per write).
  insertVersionPruning: compiled('secret_version_insert_prune', (db) => {
    const pruned = db.$with('pruned', { version: secretVersions.version }).as(
      sql`delete from ${secretVersions} where ${secretVersions.secretId} = ${ph('secretId')}::uuid
          and ${secretVersions.environment} = ${ph('environment')}
          and ${secretVersions.version} < ${ph('oldestKept')} returning ${secretVersions.version}`,
    );
    return db.with(pruned).insert(secretVersions).values(slots(secretVersions, versionColumns));
  }),
  version: compiled('secret_version', (db) =>
    db
      .select()
      .from(secretVersions)
      .where(
        and(
          eq(secretVersions.secretId, at.id),
          eq(secretVersions.environment, ph('environment')),
          eq(secretVersions.version, ph('version')),
        ),
      )
      .limit(1),
  ),
};

/**
 * The first row of statement `byId` or `byName`, whichever `ref` (an id or a name) calls for;
 * a name that cannot be stored matches nothing.
 */
export async function oneByRef<R>(
  db: Executor,
  ref: string,
  byId: (db: Executor, values: { id: string }) => Promise<R[]>,
  byName: (db: Executor, values: { name: string; space: string }) => Promise<R[]>,
): Promise<R | undefined> {
  if (isSecretId(ref)) return (await byId(db, { id: ref }))[0];
  if (!storable(ref)) return undefined;
  return (await byName(db, spacedName(ref)))[0];
}

export interface SecretFilter {
  typeId?: string;
  text?: string;
  expiringBefore?: Date;
  ownerId?: string;
  spaceId?: string;
  /** The access gate's condition: which rows the principal may list (absent: every row, for managers). */
  access?: SQL;
  /** Leave out secrets whose expiry has passed. */
  unexpired?: boolean;
}

export const secretStore = {
  /** Inserts a whole row (every column given: the caller answers from it without reading it back). */
  async insert(db: Executor, row: SecretRow): Promise<void> {
    await statements.insert(db, row);
  },

  /** Whether the space holds a secret of this name (case-insensitively): a create's name check. */
  async nameTaken(db: Executor, spaceId: string, name: string): Promise<boolean> {
    const [row] = await db
      .select({ id: secrets.id })
      .from(secrets)
      .where(and(eq(secrets.spaceId, spaceId), sql`lower(${secrets.name}) = lower(${name})`))
      .limit(1);
    return row !== undefined;
  },

  async find(db: Executor, ref: string): Promise<SecretRow | undefined> {
    return oneByRef(db, ref, statements.findById, statements.findByName);
  },

  /** Locks the secret's row until the transaction ends: concurrent writers queue here. */
  async lock(db: Executor, ref: string): Promise<SecretRow | undefined> {
    return oneByRef(db, ref, statements.lockById, statements.lockByName);
  },

  /**
   * A new current version and the metadata that goes with it (an update or a rollback), on
   * `locked`, the row as read under the transaction's lock: the row as it is now follows from
   * it and the patch, without reading it back.
   */
  async advance(db: Executor, locked: SecretRow, patch: SecretAdvance): Promise<SecretRow> {
    await statements.advance(db, { id: locked.id, ...patch });
    return { ...locked, ...patch };
  },

  async delete(db: Executor, id: string): Promise<void> {
    await statements.delete(db, { id });
  },

  /** Deletes it unless another secret's secretRef field names it; whether it did. */
  async deleteUnreferenced(db: Executor, id: string): Promise<boolean> {
    return (await statements.deleteUnreferenced(db, { id })).length === 1;
  },

  async list(
    db: Executor,
    filter: SecretFilter,
    page: { limit: number; afterName?: string; sort?: ListSort; offset?: number },
  ): Promise<SecretRow[]> {
    const where: SQL[] = [];
    if (filter.typeId) where.push(eq(secrets.typeId, filter.typeId));
    if (filter.ownerId) where.push(eq(secrets.ownerId, filter.ownerId));
    if (filter.spaceId) where.push(eq(secrets.spaceId, filter.spaceId));
    if (filter.text)
      where.push(
        sql`(${ilike(secrets.name, `%${escapeLike(filter.text)}%`)} or
          ${ilike(secrets.description, `%${escapeLike(filter.text)}%`)})`,
      );
    if (filter.expiringBefore) where.push(lte(secrets.expiresAt, filter.expiringBefore));
    if (filter.access) where.push(filter.access);
    if (filter.unexpired) where.push(sql`(${secrets.expiresAt} is null or ${secrets.expiresAt} > now())`);
    if (page.afterName !== undefined) where.push(sql`${secrets.name} > ${page.afterName}`);
    // Every order ends with the name, so a page boundary never splits ties differently twice.
    const order =
      page.sort === 'updated'
        ? [desc(secrets.updatedAt), asc(secrets.name)]
        : page.sort === 'expires'
          ? [sql`${secrets.expiresAt} asc nulls last`, asc(secrets.name)]
          : page.sort === 'used'
            ? [sql`${secrets.lastUsedAt} desc nulls last`, asc(secrets.name)]
            : [asc(secrets.name)];
    const query = db
      .select()
      .from(secrets)
      .where(and(...where))
      .orderBy(...order)
      .limit(page.limit);
    return page.offset ? query.offset(page.offset) : query;
  },

  /** Writes a version; with `oldestKept`, versions older than that go in the same statement. */
  async insertVersion(db: Executor, row: NewVersion, oldestKept?: number): Promise<void> {
    if (oldestKept === undefined) await statements.insertVersion(db, row);
    else await statements.insertVersionPruning(db, { ...row, oldestKept });
  },

  /** Version `version` of the secret's own value, or of environment `environment`'s. */
  async version(db: Executor, secretId: string, version: number, environment = ''): Promise<VersionRow | undefined> {
    return (await statements.version(db, { id: secretId, version, environment }))[0];
  },

  /** The current version of one environment's value ('' the secret's own), sealed; undefined when it holds none. */
  async head(db: Executor, secretId: string, environment: string): Promise<VersionRow | undefined> {
    const [row] = await db
      .select()
      .from(secretVersions)
      .where(and(eq(secretVersions.secretId, secretId), eq(secretVersions.environment, environment)))
      .orderBy(desc(secretVersions.version))
      .limit(1);
    return row;
  },

  /** The current version of each environment's value the secret holds ('' its own), by environment. */
  async environmentHeads(db: Executor, secretId: string): Promise<Map<string, EnvironmentHead>> {
    const rows = await db
      .selectDistinctOn([secretVersions.environment], {
        environment: secretVersions.environment,
        version: secretVersions.version,
        createdAt: secretVersions.createdAt,
        createdByName: writerName,
      })
      .from(secretVersions)
      .where(eq(secretVersions.secretId, secretId))
      .orderBy(secretVersions.environment, desc(secretVersions.version));
    return new Map(rows.map((r) => [r.environment, r]));
  },

  async versions(db: Executor, secretId: string, environment = '') {
    return db
      .select({
        version: secretVersions.version,
        createdAt: secretVersions.createdAt,
        createdBy: secretVersions.createdBy,
        createdByName: writerName,
        reason: secretVersions.reason,
      })
      .from(secretVersions)
      .where(and(eq(secretVersions.secretId, secretId), eq(secretVersions.environment, environment)))
      .orderBy(desc(secretVersions.version));
  },

  /** The secret fields entered by each version after `low` up to `high` (null: written before this was recorded). */
  async enteredBetween(
    db: Executor,
    secretId: string,
    low: number,
    high: number,
    environment = '',
  ): Promise<(string[] | null)[]> {
    const rows = await db
      .select({ entered: secretVersions.enteredSecrets })
      .from(secretVersions)
      .where(
        and(
          eq(secretVersions.secretId, secretId),
          eq(secretVersions.environment, environment),
          gt(secretVersions.version, low),
          lte(secretVersions.version, high),
        ),
      );
    return rows.map((r) => r.entered);
  },
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
