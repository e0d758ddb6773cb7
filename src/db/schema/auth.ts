/**
 * Server-side sessions for the web UI and bearer API tokens. Only hashes of the random
 * values are stored: a database dump cannot be replayed as a login.
 */
import { type AnyPgColumn, bigint, boolean, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
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
    /** How the session was signed in: null for a password, else the source (`oidc`), whose sign-out follows. */
    signInSource: text('sign_in_source'),
    /** The password was right and a second factor's code is awaited: the session opens nothing yet. */
    factorPending: boolean('factor_pending').notNull().default(false),
    /** Wrong second-factor codes given in this (pending) session: at five it ends. */
    factorFailures: integer('factor_failures').notNull().default(0),
    /** When this session last proved the second factor (sign-in or step-up): sensitive actions want it fresh. */
    factorAt: timestamptz('factor_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * A sign-in under way at an outside provider (OpenID Connect): what the callback must match.
 * The browser holds a random id in a cookie; only its hash is stored. One callback each, ten
 * minutes at most: a callback without its browser's cookie (login CSRF), a second use
 * (replay) or a late one is refused.
 */
export const signInFlows = pgTable('sign_in_flows', {
  /** SHA-256 of the cookie's random id. */
  idHash: bytea('id_hash').primaryKey(),
  source: text('source').notNull(),
  state: text('state').notNull(),
  nonce: text('nonce').notNull(),
  /** The PKCE code verifier (RFC 7636): short-lived, single-use, proves this flow at the token endpoint. */
  verifier: text('verifier').notNull(),
  /** Where the user goes after signing in (a path of Tresor's own UI). */
  next: text('next').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
});

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

/**
 * A browser's approval of a CLI sign-in (`tresor login --browser`): the CLI proves it is the one
 * that asked by the verifier whose SHA-256 is `challenge` (as PKCE does), once, within two
 * minutes. Only the code's hash is stored; the token is minted at the exchange.
 */
export const cliAuthorizations = pgTable('cli_authorizations', {
  /** SHA-256 of the one-time code the browser hands the CLI on its loopback address. */
  codeHash: bytea('code_hash').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** base64url SHA-256 of the CLI's verifier. */
  challenge: text('challenge').notNull(),
  tokenName: text('token_name').notNull(),
  expiresInDays: integer('expires_in_days').notNull(),
  scope: text('scope').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
});

/**
 * One-time links mailed to a person: an invitation (choose your first password, 72 hours) or
 * a password reset (an hour). Only the SHA-256 of the link's token is kept, so a database
 * dump cannot be turned into a link; a link is used once, and a newer one of the same
 * purpose voids it.
 */
export const accountLinks = pgTable(
  'account_links',
  {
    tokenHash: bytea('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `invite` or `reset`. */
    purpose: text('purpose').notNull(),
    /** Who sent it: an administrator, or null when the person asked (forgotten password). */
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('account_links_user_idx').on(t.userId)],
);

/**
 * A user's TOTP second factor (RFC 6238). The seed is a sealed record, like a secret's values
 * (rotation re-wraps its data key); `lastStep` is the newest time step a code was accepted
 * for, so a code is never accepted twice. Unconfirmed (`confirmedAt` null) while enrolling.
 */
export const totpFactors = pgTable('totp_factors', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** Bumped at every new enrolment: a seed sealed for one enrolment never opens as another's. */
  generation: integer('generation').notNull().default(1),
  seed: bytea('seed').notNull(),
  dataKey: bytea('data_key').notNull(),
  kekVersion: integer('kek_version').notNull(),
  confirmedAt: timestamptz('confirmed_at'),
  lastStep: bigint('last_step', { mode: 'number' }).notNull().default(0),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

/** Single-use recovery codes of a second factor, stored as SHA-256 only. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    codeHash: bytea('code_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    usedAt: timestamptz('used_at'),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
);

/** A user's passkeys (WebAuthn credentials): the public key and signature counter, never a private key. */
export const passkeys = pgTable(
  'passkeys',
  {
    /** The credential id (base64url), as the authenticator names it. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    publicKey: bytea('public_key').notNull(),
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    /** How the authenticator is reached (usb, internal, hybrid…), comma-separated, for the next sign-in's hints. */
    transports: text('transports').notNull().default(''),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastUsedAt: timestamptz('last_used_at'),
  },
  (t) => [index('passkeys_user_idx').on(t.userId)],
);

/**
 * A WebAuthn ceremony under way: the challenge the authenticator must sign, used once within
 * five minutes. The browser holds a random id in a cookie; only its hash is stored.
 */
export const webauthnChallenges = pgTable('webauthn_challenges', {
  idHash: bytea('id_hash').primaryKey(),
  /** Registering: the user adding a passkey; signing in: null (the passkey names its user). */
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  challenge: text('challenge').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
});
