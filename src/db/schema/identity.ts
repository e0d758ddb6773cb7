/** Users, groups, memberships and permission grants. Passwords are stored as argon2id hashes only. */
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.ts';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Stored lower-cased: e-mail addresses compare case-insensitively. */
  email: text('email').notNull().unique('users_email_unique'),
  displayName: text('display_name').notNull(),
  passwordHash: text('password_hash'),
  disabled: boolean('disabled').notNull().default(false),
  /** Set when an administrator reset the password: the user must choose a new one at next sign-in. */
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  /** The language the web UI speaks to this user (`de`); null: the browser's Accept-Language decides. */
  locale: text('locale'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

export const groups = pgTable('groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique('groups_name_unique'),
  description: text('description').notNull().default(''),
  /** Built-in groups (`system`) cannot be deleted. */
  builtIn: boolean('built_in').notNull().default(false),
  /**
   * The sign-in source whose directory owns the members (`oidc`, `ldap`, `host`): they are
   * synced from it at sign-in and never edited in Tresor. Null: members are managed here.
   */
  managedBy: text('managed_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

/**
 * A user as a sign-in source knows them (an OpenID provider's subject, a directory entry, a
 * host application's user): linked to one Tresor user, found again by the same subject.
 */
export const externalIdentities = pgTable(
  'external_identities',
  {
    /** The source: `oidc`, `ldap`, `host`. */
    source: text('source').notNull(),
    /** Its stable name for the user (OIDC `sub`, an LDAP entry's DN, the host's user id). */
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The e-mail address the source gave at the last sign-in. */
    email: text('email'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    /**
     * When the source said the user is gone (a host app removed or disabled them): Tresor disabled
     * the user then, and enables them again when the source brings the same subject back. A user
     * an administrator disabled in Tresor has no such mark and stays disabled.
     */
    suspendedAt: timestamptz('suspended_at'),
  },
  (t) => [primaryKey({ columns: [t.source, t.subject] }), index('external_identities_user_idx').on(t.userId)],
);

export const memberships = pgTable(
  'memberships',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.groupId] }), index('memberships_group_idx').on(t.groupId)],
);

/** A permission held by exactly one user or one group. */
export const permissionGrants = pgTable(
  'permission_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id').references(() => groups.id, { onDelete: 'cascade' }),
    permission: text('permission').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('permission_grants_user_unique').on(t.userId, t.permission),
    unique('permission_grants_group_unique').on(t.groupId, t.permission),
    check('permission_grants_one_holder', sql`(${t.userId} is null) <> (${t.groupId} is null)`),
  ],
);

/** One-time tokens for the first-administrator setup page; only their hash is stored. */
export const setupTokens = pgTable('setup_tokens', {
  tokenHash: bytea('token_hash').primaryKey(),
  expiresAt: timestamptz('expires_at').notNull(),
  usedAt: timestamptz('used_at'),
});
