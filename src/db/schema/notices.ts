/**
 * Expiry notices: who else is told before a secret expires, and which notices went out.
 * A notice is keyed by the secret, the expiry it warns of and its stage (days before; 0 on
 * the day), so each is sent once — across restarts and nodes — and a new expiry starts over.
 */
import { index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.ts';
import { secrets } from './secrets.ts';

export const secretNoticeRecipients = pgTable(
  'secret_notice_recipients',
  {
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.email] })],
);

export const expiryNotices = pgTable(
  'expiry_notices',
  {
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    expiresAt: timestamptz('expires_at').notNull(),
    daysBefore: integer('days_before').notNull(),
    /** A node is sending it until then; past it, the claim lapses and another node sends it. */
    claimedUntil: timestamptz('claimed_until').notNull(),
    sentAt: timestamptz('sent_at'),
    recipients: integer('recipients'),
  },
  (t) => [
    primaryKey({ columns: [t.secretId, t.expiresAt, t.daysBefore] }),
    index('expiry_notices_unsent_idx').on(t.claimedUntil),
  ],
);
