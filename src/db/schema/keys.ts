/**
 * What the database knows of the key-encryption keys: never the keys, only a check value
 * per version (so a wrong key is refused at start) and the progress of rotations.
 */
import { integer, pgTable, serial } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';

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
