/**
 * Webhooks: endpoints administrators register, and the outbox of deliveries to them.
 *
 * A delivery row is written by a trigger on `audit_events` (migration 0012), in the same
 * statement as the audit row of the change it reports — so in the change's own transaction:
 * a change that commits is never without its deliveries, one that rolls back has none.
 * Dispatchers on any node claim due rows for a lease, send them, and mark them.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';
import { spaces } from './spaces.ts';

export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** https:// only; checked against the egress policy when registered and at every delivery. */
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  /** Webhook event names (src/webhooks/webhook-events.ts). */
  events: text('events').array().notNull(),
  /** Only secrets of these types (empty: every type). */
  typeIds: text('type_ids').array().notNull().default(sql`'{}'`),
  /** Only these secrets, by id (empty: every secret). */
  secretIds: text('secret_ids').array().notNull().default(sql`'{}'`),
  enabled: boolean('enabled').notNull().default(true),
  /**
   * A space's endpoint: told only of that space's secrets, and administered by the space's admins
   * as well as by WEBHOOK_ADMIN holders. Null: the instance's, told of every space.
   */
  spaceId: uuid('space_id').references(() => spaces.id, { onDelete: 'cascade' }),
  /**
   * The signing secret, sealed like a secret's payload: AES-256-GCM under its own data key,
   * wrapped by key-encryption key `kekVersion` (key rotation re-wraps it too).
   */
  signingSecret: bytea('signing_secret').notNull(),
  dataKey: bytea('data_key').notNull(),
  kekVersion: integer('kek_version').notNull(),
  /** Bumped by each new signing secret: the seal is bound to it, so an old one cannot be put back. */
  secretGeneration: integer('secret_generation').notNull().default(1),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  createdBy: uuid('created_by'),
});

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** The audit row it reports. */
    auditId: bigint('audit_id', { mode: 'number' }).notNull(),
    event: text('event').notNull(),
    /** What is sent as `data`: ids, names, actor, changed field names — built from the audit row, so never a value. */
    payload: jsonb('payload').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    /** pending → delivered, or failed once the attempts are spent. */
    state: text('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    /** A dispatcher is sending it until then; past it, the claim lapses and another sends it. */
    claimedUntil: timestamptz('claimed_until'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: timestamptz('delivered_at'),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
  ],
);
