/** Shares: a secret shared with exactly one user or one group. */
import { sql } from 'drizzle-orm';
import { check, index, pgTable, unique, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.ts';
import { groups, users } from './identity.ts';
import { secrets } from './secrets.ts';

export const secretShares = pgTable(
  'secret_shares',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id').references(() => groups.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    createdBy: uuid('created_by'),
  },
  (t) => [
    unique('secret_shares_user_unique').on(t.secretId, t.userId),
    unique('secret_shares_group_unique').on(t.secretId, t.groupId),
    index('secret_shares_user_idx').on(t.userId),
    index('secret_shares_group_idx').on(t.groupId),
    check('secret_shares_one_recipient', sql`(${t.userId} is null) <> (${t.groupId} is null)`),
  ],
);
