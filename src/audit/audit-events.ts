/**
 * The audit events, one metadata shape per action, as a discriminated union. Details hold
 * names, ids, versions and counts only: there is no field a value could be put in, and
 * no index signature, so the compiler keeps payloads out.
 */

export interface SecretTarget {
  id: string;
  name: string;
}

type SecretEvent<A extends string, D> = { action: A; target: SecretTarget; details: D };

export type AuditEvent =
  | SecretEvent<'secret.created', { type: string; version: number }>
  // environment: the value of one of the space's environments was set (absent: the secret's own);
  // copiedFrom: it was copied from another environment's value (no one saw it).
  | SecretEvent<
      'secret.updated',
      { version: number; changedFields: string[]; metadataChanged: boolean; environment?: string; copiedFrom?: string }
    >
  | SecretEvent<'secret.deleted', { type: string; version: number; spaceId?: string }>
  | SecretEvent<'secret.rolled_back', { to: number; version: number }>
  | SecretEvent<'secret.shared', { recipientKind: 'user' | 'group'; recipientId: string; recipient: string }>
  | SecretEvent<'secret.unshared', { recipientKind: 'user' | 'group'; recipientId: string; recipient: string }>
  // provider: a secret held outside Tresor (the environment, mounted files), version 0.
  | SecretEvent<'secret.used', { type: string; version: number; provider?: string; environment?: string }>
  | SecretEvent<'secret.read', { view: 'metadata' | 'fields' | 'versions' | 'shares' | 'usage' }>
  | {
      /** A connection test: of a stored secret (target its id), or of unsaved values of a new one (id null). */
      action: 'secret.tested';
      target: { id: string | null; name: string };
      details: {
        type: string;
        version: number | null;
        unsaved: boolean;
        passed: number;
        failed: number;
        skipped: number;
        /** The names of the failed checks (never a message: those describe upstream answers). */
        failedChecks: string[];
      };
    }
  | SecretEvent<'secret.update_refused', { fields: string[] }>
  /** A connection test of edited values refused (which fields), before anything was tested or answered. */
  | SecretEvent<'secret.test_refused', { fields: string[] }>
  /** An expiry notice went out (by mail): its stage and how many it went to, never to whom or a value. */
  | SecretEvent<'secret.expiry_notice_sent', { daysBefore: number; expiresAt: string; recipients: number }>
  | SecretEvent<'secret.notice_recipients_changed', { recipients: number }>
  /** OAuth2: a person connected the secret (how many scopes were granted), never a token. */
  | SecretEvent<'secret.oauth2_connected', { grant: string; scopes: number; accountChanged?: boolean }>
  /** OAuth2: Tresor got new tokens (a refresh, or a client-credentials token); whether the refresh token rotated. */
  | SecretEvent<'secret.oauth2_refreshed', { grant: string; generation: number; rotated: boolean }>
  /** OAuth2: the server refused the refresh token (its OAuth2 error code): a person must connect again. */
  | SecretEvent<'secret.oauth2_reconnect_needed', { error: string }>
  | SecretEvent<'secret.oauth2_disconnected', Record<string, never>>
  /** The needs-reconnect notice went out by mail: to how many, never to whom or a token. */
  | SecretEvent<'secret.reconnect_notice_sent', { recipients: number }>
  | { action: 'secret.listed'; target: { id: null; name: string }; details: { all: boolean; count: number } }
  /** A request refused where it was read (text that is not well-formed Unicode): which input, on which route. */
  | {
      action: 'request.refused';
      target: { id: null; name: string };
      details: { field: string; reason: 'malformed-text' };
    }
  | { action: 'access.denied'; target: { id: string | null; name: string }; details: { operation: string } }
  | {
      action: 'auth.login' | 'auth.login_failed' | 'auth.logout';
      target: { id: string | null; name: string };
      /** `oidc`: through the OpenID provider (the target names the address it gave). */
      details: { method: 'form' | 'token-exchange' | 'session' | 'oidc' | 'ldap' | 'passkey' };
    }
  | {
      action: 'token.created';
      target: { id: string; name: string };
      details: { expiresAt: string | null; scope: string; via: string };
    }
  | { action: 'token.revoked'; target: { id: string; name: string }; details: { expiresAt: string | null } }
  | {
      action: 'user.created' | 'user.disabled' | 'user.enabled' | 'user.password_changed';
      target: { id: string; name: string };
      /** `source`: the sign-in source that removed or brought back the user (a host app). */
      details: { administrator: boolean; source?: string };
    }
  /** A one-time link mailed: an invitation, or a password reset an administrator sent or the person asked for. */
  | {
      action: 'user.invited' | 'user.password_reset_sent';
      target: { id: string; name: string };
      /** `mailed`: whether the mail went out (false: sent again later, or the person signs in by SSO). */
      details: { mailed: boolean; by: 'administrator' | 'self' };
    }
  /** The person chose a password through a mailed link (their sessions and tokens ended with it). */
  | { action: 'user.password_chosen'; target: { id: string; name: string }; details: { link: 'invite' | 'reset' } }
  /** A second factor set up, removed (by its owner or an administrator), a recovery code used, a wrong code. */
  | {
      action: 'factor.enrolled' | 'factor.removed' | 'factor.used' | 'factor.failed';
      target: { id: string; name: string };
      details: { method: 'totp' | 'recovery' | 'administrator' | 'passkey' };
    }
  /** A sign-in source's subject linked to a user (created with it, or found by a verified e-mail). */
  | { action: 'user.linked'; target: { id: string; name: string }; details: { source: string; created: boolean } }
  /** A sign-in brought the user's memberships of its source's groups in step (group names). */
  | {
      action: 'membership.synced';
      target: { id: string; name: string };
      details: { source: string; added: string[]; removed: string[] };
    }
  | { action: 'user.locale_changed'; target: { id: string; name: string }; details: { locale: string | null } }
  /** A user chose their own default space (its name; null: the installation's again). */
  | { action: 'user.default_space_set'; target: { id: string; name: string }; details: { space: string | null } }
  | { action: 'group.created' | 'group.deleted'; target: { id: string; name: string }; details: { builtIn: boolean } }
  | { action: 'space.created'; target: { id: string; name: string }; details: Record<string, never> }
  /**
   * A space deleted with its secrets (how many; `force`: although configurations elsewhere named
   * some) and its keys (how many versions destroyed: what was sealed under them is unrecoverable).
   */
  | {
      action: 'space.deleted';
      target: { id: string; name: string };
      details: { secrets: number; force: boolean; keysDestroyed: number };
    }
  /** A space's key rotated: the new version, the data keys re-wrapped onto it, the old versions deleted. */
  | {
      action: 'space.key_rotated';
      target: { id: string; name: string };
      details: { version: number; rewrapped: number; retired: number };
    }
  /** An environment declared (its position: 0 the default), or removed with every value in it. */
  | {
      action: 'space.environment_added' | 'space.environment_removed';
      target: { id: string; name: string };
      details: { environment: string; position?: number; versionsDestroyed?: number };
    }
  | {
      action: 'space.role_set' | 'space.role_removed';
      target: { id: string; name: string };
      /** `role` absent when removed; `joined`: an instance administrator gave itself a role (joining). */
      details: { holderKind: 'user' | 'group'; holderId: string; holder: string; role?: string; joined?: boolean };
    }
  | {
      action: 'membership.added' | 'membership.removed';
      target: { id: string; name: string };
      details: { userId: string };
    }
  | {
      action: 'permission.granted' | 'permission.revoked';
      target: { id: string; name: string };
      details: { permission: string; holderKind: 'user' | 'group' };
    }
  | {
      action: 'transfer.exported';
      target: { id: null; name: string };
      details: { secrets: number; allVersions: boolean };
    }
  | {
      action: 'transfer.imported';
      target: { id: null; name: string };
      details: { created: number; renamed: number; skipped: number; failed: number };
    }
  | {
      /** A webhook endpoint registered, changed or removed: its URL's host and events, never its signing secret. */
      action: 'webhook.created' | 'webhook.updated' | 'webhook.deleted';
      target: { id: string; name: string };
      details: { events: string[]; enabled: boolean };
    }
  | { action: 'webhook.secret_rotated'; target: { id: string; name: string }; details: { generation: number } }
  | { action: 'webhook.redelivered'; target: { id: string; name: string }; details: { delivery: number } }
  | {
      action: 'key.rotation_started' | 'key.rotation_finished';
      target: { id: string; name: string };
      details: { targetVersion: number; rewrapped: number };
    };

export type AuditAction = AuditEvent['action'];

export const auditActions: readonly AuditAction[] = [
  'secret.created',
  'secret.updated',
  'secret.deleted',
  'secret.rolled_back',
  'secret.shared',
  'secret.unshared',
  'secret.used',
  'secret.read',
  'secret.tested',
  'secret.listed',
  'secret.update_refused',
  'secret.test_refused',
  'secret.expiry_notice_sent',
  'secret.notice_recipients_changed',
  'secret.oauth2_connected',
  'secret.oauth2_refreshed',
  'secret.oauth2_reconnect_needed',
  'secret.oauth2_disconnected',
  'secret.reconnect_notice_sent',
  'access.denied',
  'request.refused',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'token.created',
  'token.revoked',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.password_changed',
  'user.invited',
  'user.password_reset_sent',
  'user.password_chosen',
  'factor.enrolled',
  'factor.removed',
  'factor.used',
  'factor.failed',
  'user.locale_changed',
  'user.default_space_set',
  'group.created',
  'space.created',
  'space.deleted',
  'space.key_rotated',
  'space.environment_added',
  'space.environment_removed',
  'space.role_set',
  'space.role_removed',
  'group.deleted',
  'membership.added',
  'membership.removed',
  'permission.granted',
  'permission.revoked',
  'key.rotation_started',
  'key.rotation_finished',
  'transfer.exported',
  'transfer.imported',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.redelivered',
];

/**
 * Rows that record something seen, tried or sent, not a change to what Tresor holds: reads,
 * uses, tests, listings, refusals, sign-ins, notices and exports. "Changes only" leaves them out.
 */
export const observationActions: readonly AuditAction[] = [
  'secret.used',
  'secret.read',
  'secret.tested',
  'secret.listed',
  'secret.update_refused',
  'secret.test_refused',
  'secret.expiry_notice_sent',
  'secret.reconnect_notice_sent',
  'access.denied',
  'request.refused',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'factor.used',
  'factor.failed',
  'user.password_reset_sent',
  'transfer.exported',
  'webhook.redelivered',
];

export type Outcome = 'success' | 'denied' | 'failure';
