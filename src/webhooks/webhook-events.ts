/**
 * The events a webhook endpoint can ask for. Each is an audit action (the outbox is filled
 * from the audit trail, migration 0012), except `secret.expiring` (the expiry notice's row) and
 * `secret.needs_reconnect` (secret.oauth2_reconnect_needed).
 */
export const webhookEvents = [
  'secret.created',
  'secret.updated',
  'secret.deleted',
  'secret.rolled_back',
  'secret.shared',
  'secret.unshared',
  'secret.expiring',
  'secret.needs_reconnect',
  'secret.used',
] as const;

export type WebhookEvent = (typeof webhookEvents)[number];

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (webhookEvents as readonly string[]).includes(value);
}

/** What each event means, for the forms and the README. */
export const webhookEventLabels: Record<WebhookEvent, string> = {
  'secret.created': 'A secret was created',
  'secret.updated': 'A secret was changed (a new version)',
  'secret.deleted': 'A secret was deleted',
  'secret.rolled_back': 'A secret was rolled back to an earlier version',
  'secret.shared': 'A secret was shared with a user or group',
  'secret.unshared': 'A share was removed',
  'secret.expiring': 'An expiry notice went out (days before, or on the day)',
  'secret.needs_reconnect': 'An OAuth2 secret lost its grant (the server refused its refresh token)',
  'secret.used': 'A module used a secret',
};
