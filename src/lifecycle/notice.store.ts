/** Database access for expiry notices: due secrets, claims, sent marks, and who else is told. */
import { and, asc, eq, gte, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { expiryNotices, secretNoticeRecipients, secrets, spaces, users } from '../db/schema/index.ts';
import { defaultSpaceName } from '../secrets/secret-rules.ts';

export interface DueSecret {
  id: string;
  name: string;
  /** How people name it: `space/name`, or its bare name in the default space. */
  ref: string;
  typeId: string;
  expiresAt: Date;
  ownerEmail: string | null;
}

/** Any two nodes (and the embedded server) agree on this key for "the expiry-notice run". */
const runLockKey = 0x7e5_0001;

/** Whom a notice about a secret goes to: its owner (when enabled) and its notice recipients, each once. */
export function noticeAddresses(ownerEmail: string | null, recipients: readonly string[] = []): string[] {
  return [...new Set([...(ownerEmail ? [ownerEmail] : []), ...recipients])];
}

export const noticeStore = {
  /** Whether this transaction holds the run's lock (never waits: another node is running). */
  async tryRunLock(tx: Executor): Promise<boolean> {
    const result = await tx.execute(sql`select pg_try_advisory_xact_lock(${runLockKey}) as locked`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { locked: boolean }[];
    return rows[0]?.locked === true;
  },

  /** Secrets whose expiry lies between `from` and `to` (the window in which some notice may be due). */
  async expiringBetween(db: Executor, from: Date, to: Date, limit: number): Promise<DueSecret[]> {
    const rows = await db
      .select({
        id: secrets.id,
        name: secrets.name,
        space: spaces.name,
        typeId: secrets.typeId,
        expiresAt: secrets.expiresAt,
        ownerEmail: users.email,
        ownerDisabled: users.disabled,
      })
      .from(secrets)
      .innerJoin(spaces, eq(spaces.id, secrets.spaceId))
      .leftJoin(users, eq(users.id, secrets.ownerId))
      .where(and(isNotNull(secrets.expiresAt), gte(secrets.expiresAt, from), lte(secrets.expiresAt, to)))
      .orderBy(asc(secrets.expiresAt), asc(secrets.id))
      .limit(limit);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      ref: r.space === defaultSpaceName ? r.name : `${r.space}/${r.name}`,
      typeId: r.typeId,
      expiresAt: r.expiresAt!,
      ownerEmail: r.ownerDisabled ? null : r.ownerEmail,
    }));
  },

  /**
   * Claims the notices for this node until `until`: a notice already sent, or claimed by a node
   * whose claim has not lapsed, is not returned. The returned keys are this node's to send.
   */
  async claim(
    tx: Executor,
    notices: readonly { secretId: string; expiresAt: Date; daysBefore: number }[],
    now: Date,
    until: Date,
  ): Promise<{ secretId: string; daysBefore: number }[]> {
    if (notices.length === 0) return [];
    return tx
      .insert(expiryNotices)
      .values(notices.map((n) => ({ ...n, claimedUntil: until })))
      .onConflictDoUpdate({
        target: [expiryNotices.secretId, expiryNotices.expiresAt, expiryNotices.daysBefore],
        set: { claimedUntil: until },
        setWhere: sql`${expiryNotices.sentAt} is null
          and ${expiryNotices.claimedUntil} <= ${now.toISOString()}::timestamptz`,
      })
      .returning({ secretId: expiryNotices.secretId, daysBefore: expiryNotices.daysBefore });
  },

  async markSent(
    tx: Executor,
    key: { secretId: string; expiresAt: Date; daysBefore: number },
    sentAt: Date,
    recipients: number,
  ): Promise<void> {
    await tx
      .update(expiryNotices)
      .set({ sentAt, recipients })
      .where(
        and(
          eq(expiryNotices.secretId, key.secretId),
          eq(expiryNotices.expiresAt, key.expiresAt),
          eq(expiryNotices.daysBefore, key.daysBefore),
        ),
      );
  },

  /** Gives a claim back (the mail could not go out): the next run tries again. */
  async release(db: Executor, key: { secretId: string; expiresAt: Date; daysBefore: number }, now: Date) {
    await db
      .update(expiryNotices)
      .set({ claimedUntil: now })
      .where(
        and(
          eq(expiryNotices.secretId, key.secretId),
          eq(expiryNotices.expiresAt, key.expiresAt),
          eq(expiryNotices.daysBefore, key.daysBefore),
        ),
      );
  },

  async recipientsOf(db: Executor, secretIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (secretIds.length === 0) return out;
    const rows = await db
      .select()
      .from(secretNoticeRecipients)
      .where(inArray(secretNoticeRecipients.secretId, [...secretIds]))
      .orderBy(asc(secretNoticeRecipients.email));
    for (const r of rows) out.set(r.secretId, [...(out.get(r.secretId) ?? []), r.email]);
    return out;
  },

  async replaceRecipients(tx: Executor, secretId: string, emails: readonly string[]): Promise<void> {
    await tx.delete(secretNoticeRecipients).where(eq(secretNoticeRecipients.secretId, secretId));
    if (emails.length > 0) await tx.insert(secretNoticeRecipients).values(emails.map((email) => ({ secretId, email })));
  },
};
