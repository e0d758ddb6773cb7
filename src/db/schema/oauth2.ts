/**
 * OAuth2 connections: what an authorization server granted a secret (access and refresh
 * token, their expiry, the scopes), sealed like a secret's values, one row per secret. Kept
 * beside the secret's versions rather than in them: a refresh (every hour, say) must not push
 * the user's own versions out of the history, and a rollback must never bring back a refresh
 * token the server has since rotated. And the authorization requests under way: each `state`
 * (stored as its hash) is bound to the session that asked, used once, and short-lived.
 */
import { index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';
import { secrets } from './secrets.ts';

export const oauth2Connections = pgTable('oauth2_connections', {
  secretId: uuid('secret_id')
    .primaryKey()
    .references(() => secrets.id, { onDelete: 'cascade' }),
  /** connected, or needs-reconnect (the server refused the refresh token). */
  status: text('status').notNull(),
  /** The tokens as JSON, sealed under their own data key (key rotation re-wraps it). */
  sealed: bytea('sealed').notNull(),
  dataKey: bytea('data_key').notNull(),
  kekVersion: integer('kek_version').notNull(),
  /** Bumped by every new set of tokens: the seal is bound to it, and a waiting refresher sees it moved. */
  generation: integer('generation').notNull(),
  /** Hash of where the tokens are valid (client id, token and authorization URLs): other values, no connection. */
  fingerprint: text('fingerprint').notNull(),
  scopes: text('scopes').notNull().default(''),
  /** Whom the grant is for, as the ID token names them (e-mail, user name or subject), when the server sent one. */
  account: text('account'),
  accessExpiresAt: timestamptz('access_expires_at'),
  connectedAt: timestamptz('connected_at').notNull().defaultNow(),
  connectedBy: uuid('connected_by'),
  refreshedAt: timestamptz('refreshed_at'),
  /**
   * The needs-reconnect notice (mailed like an expiry notice): claimed by a node until then,
   * and when it went out. Cleared each time the connection is marked again.
   */
  noticeClaimedUntil: timestamptz('notice_claimed_until'),
  noticeSentAt: timestamptz('notice_sent_at'),
});

export const oauth2States = pgTable(
  'oauth2_states',
  {
    /** sha256 of the `state` sent to the authorization server. */
    stateHash: bytea('state_hash').primaryKey(),
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    /** sha256 of the session that started the flow: the callback must come back in it. */
    sessionHash: bytea('session_hash').notNull(),
    /** The PKCE code verifier (useless without the code, which only the browser receives). */
    verifier: text('verifier').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('oauth2_states_expiry_idx').on(t.expiresAt)],
);
