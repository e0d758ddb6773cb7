/**
 * Secrets and their versions. Only metadata is plaintext; field values live sealed in
 * `secret_versions.payload`, under a per-version data key wrapped by a key-encryption key.
 */
import { sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';
import { users } from './identity.ts';
import { spaceKeys } from './keys.ts';
import { defaultSpaceId, spaces } from './spaces.ts';

export const secrets = pgTable(
  'secrets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** The space it belongs to (names are unique per space). */
    spaceId: uuid('space_id')
      .notNull()
      .default(defaultSpaceId)
      .references(() => spaces.id),
    /**
     * Who besides its owner and shares may reach it: `private` (only they), `space` (every member's
     * modules may use it, members see its metadata), `global` (usable in every space).
     */
    visibility: text('visibility').notNull().default('private'),
    description: text('description').notNull().default(''),
    typeId: text('type_id').notNull(),
    /** The creating user; null for secrets created by Tresor itself (local administration). */
    ownerId: uuid('owner_id').references(() => users.id),
    /** The current version; versions are dense from 1. */
    version: integer('version').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    createdBy: uuid('created_by'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    updatedBy: uuid('updated_by'),
    expiresAt: timestamptz('expires_at'),
    lastUsedAt: timestamptz('last_used_at'),
    /**
     * Non-secret facts derived from the current version (an SSH key's fingerprint, a
     * certificate's subject and expiry), computed once in the hook worker when it is written.
     */
    facts: jsonb('facts').$type<Record<string, string>>(),
  },
  (t) => [
    index('secrets_type_idx').on(t.typeId),
    index('secrets_owner_idx').on(t.ownerId),
    // Expiry notices look for what expires soon; most secrets never expire.
    index('secrets_expires_idx').on(t.expiresAt).where(sql`${t.expiresAt} is not null`),
    // Names compare case-insensitively, per space: `JIRA-OPS` and `jira-ops` cannot both exist in one.
    uniqueIndex('secrets_space_name_folded_unique').on(t.spaceId, sql`lower(${t.name})`),
    index('secrets_visibility_idx').on(t.visibility).where(sql`${t.visibility} <> 'private'`),
    // What a space sees, by space: a store's "visible to my spaces" part reads a few spaces' rows, not
    // every space-visible secret of the installation (the scale bench found that at 10,000 spaces).
    index('secrets_space_visible_idx').on(t.spaceId).where(sql`${t.visibility} = 'space'`),
    check('secrets_visibility', sql`${t.visibility} in ('private', 'space', 'global')`),
  ],
);

export const secretVersions = pgTable(
  'secret_versions',
  {
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    /**
     * The environment this version is a value of: '' for the secret's own value (the only one in a space
     * without environments; the default environment's in a space with them), else the environment's name.
     * Versions are numbered per environment, and a seal of another environment's value names it.
     */
    environment: text('environment').notNull().default(''),
    version: integer('version').notNull(),
    /** nonce ‖ AES-256-GCM ciphertext ‖ tag of the payload JSON. */
    payload: bytea('payload').notNull(),
    /**
     * nonce ‖ ciphertext ‖ tag of the data key under key-encryption key `kekVersion`: the key of
     * space `keySpaceId`, or — for versions written before spaces had keys — the master key.
     */
    dataKey: bytea('data_key').notNull(),
    kekVersion: integer('kek_version').notNull(),
    keySpaceId: uuid('key_space_id'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    createdBy: uuid('created_by'),
    reason: text('reason').notNull().default(''),
    /**
     * The secret fields this version's writer entered (as opposed to kept from the version
     * before), recorded when it is written: what a compare reports as changed, so "changed"
     * is never computed by comparing values on request (a guess entered again would answer
     * whether it was right). Null for versions written before it was recorded: all changed.
     */
    enteredSecrets: jsonb('entered_secrets').$type<string[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.secretId, t.environment, t.version] }),
    index('secret_versions_kek_idx').on(t.kekVersion),
    // A space key version in use cannot go: a rotation retiring it while a node still wraps with it fails, not
    // a value (the database checks it, whatever a node's cache believes).
    foreignKey({
      name: 'secret_versions_space_key_fk',
      columns: [t.keySpaceId, t.kekVersion],
      foreignColumns: [spaceKeys.spaceId, spaceKeys.version],
    }),
    index('secret_versions_space_key_idx').on(t.keySpaceId, t.kekVersion).where(sql`${t.keySpaceId} is not null`),
  ],
);

/**
 * Which stored secrets name another in a `secretRef` field, by the name as stored (the
 * field's value is not secret). Written with each version of a type that has such fields, so
 * "where is it used?" and deleting a referenced secret need no decryption.
 */
export const secretReferences = pgTable(
  'secret_references',
  {
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    /** The environment whose current value holds the reference ('' the secret's own). */
    environment: text('environment').notNull().default(''),
    field: text('field').notNull(),
    targetName: text('target_name').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.secretId, t.environment, t.field] }),
    index('secret_references_target_idx').on(sql`lower(${t.targetName})`),
  ],
);
