/**
 * Server-side sessions for the web UI and bearer API tokens. Only hashes of the random
 * values are stored: a database dump cannot be replayed as a login.
 */
import { type AnyPgColumn, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';
import { users } from './identity.ts';

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie value. */
    idHash: bytea('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at').notNull(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    clientAddress: text('client_address'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the token's secret part. */
    secretHash: bytea('secret_hash').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at'),
    revokedAt: timestamptz('revoked_at'),
    lastUsedAt: timestamptz('last_used_at'),
    /** `read`: metadata only; `full`: everything the user may do. */
    scope: text('scope').notNull().default('full'),
    /** The token that minted this one: revoking it revokes this one too, and this one never outlives it. */
    parentId: uuid('parent_id').references((): AnyPgColumn => apiTokens.id, { onDelete: 'cascade' }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId), index('api_tokens_parent_idx').on(t.parentId)],
);
