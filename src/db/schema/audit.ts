/**
 * The audit trail: append-only, each row chained to the previous one by a SHA-256 hash over
 * its content and the previous row's hash. Never a secret value: event details are typed so
 * the compiler keeps payloads out (see src/audit/audit-events.ts).
 */
import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';

export const auditEvents = pgTable('audit_events', {
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
}, (t) => [index('audit_actor_idx').on(t.actorId, t.id), index('audit_target_idx').on(t.targetId, t.id), index('audit_action_idx').on(t.action, t.id), index('audit_at_idx').on(t.at)]);
