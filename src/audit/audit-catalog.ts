/**
 * The audit trail is Tresor's event bus: every change and use is on record, and what else
 * happens because of a record is read off its action. This is the one place that says so:
 * for each action, what it means for the nodes' caches (which scope a committed change drops
 * on every node) and which webhook event it is delivered as. The webhook outbox is filled by
 * a trigger in the database (drizzle/0012_webhooks.sql, as repaired by 0015); a test holds
 * that trigger's list to this catalog (audit-catalog.test.ts).
 */
import type { WebhookEvent } from '../webhooks/webhook-events.ts';
import type { AuditAction } from './audit-events.ts';

export interface ActionMeaning {
  /** What a committed row drops from every node's cache: its secret's entries, principals' facts, or nothing. */
  cache: 'secret' | 'principals' | 'none';
  /** The webhook event the row is delivered as (successful rows about a secret only). */
  webhook?: WebhookEvent;
}

const secretChange = (webhook?: WebhookEvent): ActionMeaning => ({ cache: 'secret', ...(webhook ? { webhook } : {}) });
const nothing: ActionMeaning = { cache: 'none' };
const principals: ActionMeaning = { cache: 'principals' };

export const auditCatalog: Record<AuditAction, ActionMeaning> = {
  'secret.created': secretChange('secret.created'),
  'secret.updated': secretChange('secret.updated'),
  'secret.deleted': secretChange('secret.deleted'),
  'secret.rolled_back': secretChange('secret.rolled_back'),
  'secret.shared': secretChange('secret.shared'),
  'secret.unshared': secretChange('secret.unshared'),
  // Uses, reads and refusals change nothing: caches stay.
  'secret.used': { cache: 'none', webhook: 'secret.used' },
  'secret.read': nothing,
  'secret.tested': nothing,
  'secret.listed': nothing,
  'secret.update_refused': nothing,
  'secret.test_refused': nothing,
  'secret.expiry_notice_sent': secretChange('secret.expiring'),
  'secret.notice_recipients_changed': secretChange(),
  // An OAuth2 connection lives beside the secret, read uncached: its changes leave the caches be.
  'secret.oauth2_connected': nothing,
  'secret.oauth2_refreshed': nothing,
  'secret.oauth2_reconnect_needed': { cache: 'none', webhook: 'secret.needs_reconnect' },
  'secret.oauth2_disconnected': nothing,
  'secret.reconnect_notice_sent': nothing,
  'access.denied': nothing,
  'request.refused': nothing,
  'auth.login': nothing,
  'auth.login_failed': nothing,
  'auth.logout': nothing,
  'token.created': nothing,
  // A revoked token must stop working on every node at once.
  'token.revoked': principals,
  'user.created': principals,
  'user.disabled': principals,
  'user.enabled': principals,
  'user.password_changed': principals,
  'user.invited': principals,
  'user.password_reset_sent': nothing,
  // Choosing a password through a link ends sessions and tokens: every node drops its cached ones.
  'user.password_chosen': principals,
  'factor.enrolled': nothing,
  'factor.removed': nothing,
  'factor.used': nothing,
  'factor.failed': nothing,
  'user.locale_changed': principals,
  // Where the user's bare names resolve is one of their facts: every node drops them.
  'user.default_space_set': principals,
  'user.linked': principals,
  'membership.synced': principals,
  'group.created': principals,
  'space.created': principals,
  // Its secrets went with it: the service announces that every node drops everything (a rare change).
  'space.deleted': principals,
  // The space key service announces on the keys' scope itself.
  'space.key_rotated': nothing,
  // Each node keeps a space's environments with the principals' facts: both are dropped.
  'space.environment_added': principals,
  'space.environment_removed': principals,
  // A role in a space changes what its holders may do: every node drops their facts.
  'space.role_set': principals,
  'space.role_removed': principals,
  'group.deleted': principals,
  'membership.added': principals,
  'membership.removed': principals,
  'permission.granted': principals,
  'permission.revoked': principals,
  // Keys announce on their own channel scope (key.service.ts); the rest changes no cached read.
  'key.rotation_started': nothing,
  'key.rotation_finished': nothing,
  'transfer.exported': nothing,
  'transfer.imported': nothing,
  'webhook.created': nothing,
  'webhook.updated': nothing,
  'webhook.deleted': nothing,
  'webhook.secret_rotated': nothing,
  'webhook.redelivered': nothing,
};

/** The audit actions delivered as webhook events, with the event each becomes. */
export const webhookActions = (Object.entries(auditCatalog) as [AuditAction, ActionMeaning][]).flatMap(
  ([action, meaning]) => (meaning.webhook ? [{ action, event: meaning.webhook }] : []),
);
