/**
 * The audit trail: append-only, each row chained to the previous one by a SHA-256 hash over
 * its content and the previous row's hash. Never a secret value: event details are typed so
 * the compiler keeps payloads out (see src/audit/audit-events.ts).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, smallint, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamptz('at').notNull(),
    /** The signed-in user who acted; null for Tresor itself. */
    actorId: uuid('actor_id'),
    actorLabel: text('actor_label').notNull(),
    /** Who the action was for (a module acting for a group, say), when not the actor. */
    principal: text('principal'),
    action: text('action').notNull(),
    targetId: text('target_id'),
    targetName: text('target_name'),
    outcome: text('outcome').notNull(),
    module: text('module'),
    requestId: text('request_id'),
    clientAddress: text('client_address'),
    details: jsonb('details').notNull(),
    prevHash: bytea('prev_hash').notNull(),
    hash: bytea('hash').notNull(),
    /** The chain (1 to auditLanes) this row links into; see auditChainHead. */
    lane: smallint('lane').notNull().default(1),
  },
  (t) => [
    index('audit_actor_idx').on(t.actorId, t.id),
    index('audit_target_idx').on(t.targetId, t.id),
    index('audit_action_idx').on(t.action, t.id),
    index('audit_at_idx').on(t.at),
  ],
);

/**
 * The end of each chain, one row a lane. The trail is `auditLanes` hash chains ("lanes")
 * woven together by id: an append locks the first lane no other transaction holds
 * (SELECT … FOR UPDATE SKIP LOCKED), links its rows to that lane's last hash and moves the
 * lane's head, so appends on different connections never wait for each other's commit (and
 * its WAL flush), while appends on one lane take turns. Verify walks every lane and compares
 * each with its head, so rows cut off the end of any lane are found too.
 * Written only by the tresor_audit_append function (drizzle/0006_audit_lanes.sql).
 */
export const auditChainHead = pgTable(
  'audit_chain_head',
  {
    id: smallint('id').primaryKey().default(1),
    lastId: bigint('last_id', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  () => [check('audit_chain_head_lane', sql`id between 1 and 16`)],
);
