/** Database access for identities from sign-in sources and the groups those sources manage. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { externalIdentities, groups, memberships, users } from '../db/schema/index.ts';
import type { GroupRow, UserRow } from './identity.store.ts';

export const externalIdentityStore = {
  /** The user a source's subject is linked to, with the link's row locked for the sign-in. */
  async linkedUser(db: Executor, source: string, subject: string): Promise<UserRow | undefined> {
    const [row] = await db
      .select({ user: users })
      .from(externalIdentities)
      .innerJoin(users, eq(users.id, externalIdentities.userId))
      .where(and(eq(externalIdentities.source, source), eq(externalIdentities.subject, subject)))
      .for('update', { of: externalIdentities })
      .limit(1);
    return row?.user;
  },

  async link(db: Executor, row: { source: string; subject: string; userId: string; email: string | null }) {
    await db.insert(externalIdentities).values(row);
  },

  async seen(db: Executor, source: string, subject: string, email: string | null): Promise<void> {
    await db
      .update(externalIdentities)
      .set({ lastSeenAt: sql`now()`, email })
      .where(and(eq(externalIdentities.source, source), eq(externalIdentities.subject, subject)));
  },

  /** Whether the user has an identity at any source (such a user may have no password). */
  async sourcesOf(db: Executor, userId: string): Promise<string[]> {
    const rows = await db
      .select({ source: externalIdentities.source })
      .from(externalIdentities)
      .where(eq(externalIdentities.userId, userId));
    return rows.map((r) => r.source);
  },

  /** Groups of these names (whoever manages them). */
  async groupsNamed(db: Executor, names: readonly string[]): Promise<GroupRow[]> {
    if (names.length === 0) return [];
    return db
      .select()
      .from(groups)
      .where(inArray(groups.name, [...names]));
  },

  /** Creates the groups a source names that do not exist yet, managed by it. */
  async createManaged(db: Executor, source: string, names: readonly string[]): Promise<GroupRow[]> {
    if (names.length === 0) return [];
    return db
      .insert(groups)
      .values(names.map((name) => ({ name, managedBy: source, description: `Members from ${source}` })))
      .onConflictDoNothing()
      .returning();
  },

  /** The groups managed by `source` that the user is in. */
  async managedMemberships(db: Executor, source: string, userId: string): Promise<GroupRow[]> {
    const rows = await db
      .select({ group: groups })
      .from(memberships)
      .innerJoin(groups, eq(groups.id, memberships.groupId))
      .where(and(eq(memberships.userId, userId), eq(groups.managedBy, source)));
    return rows.map((r) => r.group);
  },
};

/** A source's subject and the user it is linked to, with the source's suspension. */
export interface SourceLink {
  userId: string;
  disabled: boolean;
  suspendedAt: Date | null;
}

export const sourceLinkStore = {
  async link(db: Executor, source: string, subject: string): Promise<SourceLink | undefined> {
    const [row] = await db
      .select({ userId: users.id, disabled: users.disabled, suspendedAt: externalIdentities.suspendedAt })
      .from(externalIdentities)
      .innerJoin(users, eq(users.id, externalIdentities.userId))
      .where(and(eq(externalIdentities.source, source), eq(externalIdentities.subject, subject)))
      .limit(1);
    return row;
  },

  /** The user's subject at `source`, if linked there. */
  async subjectOf(db: Executor, source: string, userId: string): Promise<string | undefined> {
    const [row] = await db
      .select({ subject: externalIdentities.subject })
      .from(externalIdentities)
      .where(and(eq(externalIdentities.source, source), eq(externalIdentities.userId, userId)))
      .limit(1);
    return row?.subject;
  },

  async setSuspended(db: Executor, source: string, subject: string, suspended: boolean): Promise<void> {
    await db
      .update(externalIdentities)
      .set({ suspendedAt: suspended ? sql`now()` : null })
      .where(and(eq(externalIdentities.source, source), eq(externalIdentities.subject, subject)));
  },
};
