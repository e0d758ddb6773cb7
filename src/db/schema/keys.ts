/**
 * What the database knows of the key-encryption keys: never the keys, only a check value
 * per version (so a wrong key is refused at start) and the progress of rotations.
 */
import { index, integer, pgTable, primaryKey, serial, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';
import { spaces } from './spaces.ts';

export const keyVersions = pgTable('key_versions', {
  version: integer('version').primaryKey(),
  /** HMAC-SHA256(key, fixed label): proves a key is the one this version was, reveals nothing of it. */
  checkValue: bytea('check_value').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  /** Set once no data key is wrapped with this version any more. */
  retiredAt: timestamptz('retired_at'),
});

export const keyRotations = pgTable('key_rotations', {
  id: serial('id').primaryKey(),
  targetVersion: integer('target_version').notNull(),
  startedAt: timestamptz('started_at').notNull().defaultNow(),
  finishedAt: timestamptz('finished_at'),
  rewrapped: integer('rewrapped').notNull().default(0),
});

/**
 * Each space's own key-encryption keys (issue "Spaces"), by version: random keys, stored only
 * wrapped by a master key version (bound to the space and the version, like a data key), so
 * a space rotates on its own and deleting a space destroys its keys with it.
 */
export const spaceKeys = pgTable(
  'space_keys',
  {
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** nonce ‖ ciphertext ‖ tag of the space's key under master key version `kekVersion`. */
    wrappedKey: bytea('wrapped_key').notNull(),
    kekVersion: integer('kek_version').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.spaceId, t.version] }), index('space_keys_kek_idx').on(t.kekVersion)],
);
