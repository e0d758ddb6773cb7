/**
 * Spaces (issue "Spaces"): every secret belongs to exactly one. Names are unique per space;
 * roles in a space are given to users and groups. The default space holds everything an
 * installation had before spaces, and every active user is a member of it, so an
 * installation with one space works as before.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.ts';
import { groups, users } from './identity.ts';

/** The space every installation has (made by the migration that introduced spaces). */
export const defaultSpaceId = '00000000-0000-4000-8000-000000000001';

export const spaces = pgTable(
  'spaces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('spaces_name_folded_unique').on(sql`lower(${t.name})`)],
);

/** A role in a space, held by one user or one group: admin, manager, member or viewer. */
export const spaceRoles = pgTable(
  'space_roles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id').references(() => groups.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('space_roles_user_unique').on(t.spaceId, t.userId),
    unique('space_roles_group_unique').on(t.spaceId, t.groupId),
    check('space_roles_one_holder', sql`(${t.userId} is null) <> (${t.groupId} is null)`),
    // A principal's facts read its roles by holder, for every change it makes: by index, not a scan of
    // every role of every space (the 10,000-space bench found that).
    index('space_roles_user_idx').on(t.userId).where(sql`${t.userId} is not null`),
    index('space_roles_group_idx').on(t.groupId).where(sql`${t.groupId} is not null`),
    check('space_roles_role', sql`${t.role} in ('admin', 'manager', 'member', 'viewer')`),
  ],
);

/**
 * The environments a space declares (development, staging, production…), in the order it declared
 * them. A secret of the space holds one sealed value per environment, each with its own versions
 * (`secret_versions.environment`). The first declared — the lowest position — is the space's
 * default environment: its values are the secret's own (environment ''), the values the secrets had
 * before the space declared environments; the others' are stored under their names.
 */
export const spaceEnvironments = pgTable(
  'space_environments',
  {
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    /** A lower-case slug; never renamed (its values are stored under it). */
    name: text('name').notNull(),
    position: integer('position').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.spaceId, t.name] }),
    unique('space_environments_position_unique').on(t.spaceId, t.position),
    check('space_environments_name', sql`${t.name} ~ '^[a-z][a-z0-9-]{0,31}$'`),
  ],
);

/**
 * Each user's own default space, if they chose one: where a bare name they give resolves first (then in the
 * installation's default space) and where what they create goes when they name no space. Stored references
 * (`secretRef` fields) are data, not anyone's input: a bare one always means the installation's default space.
 */
export const userDefaultSpaces = pgTable('user_default_spaces', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  spaceId: uuid('space_id')
    .notNull()
    .references(() => spaces.id, { onDelete: 'cascade' }),
});
