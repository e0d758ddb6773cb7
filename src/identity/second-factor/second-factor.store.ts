/** Database access for second factors: TOTP enrolments and recovery codes (hashes only). */
import { and, count, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { passkeys, recoveryCodes, totpFactors } from '../../db/schema/index.ts';

export type TotpRow = typeof totpFactors.$inferSelect;

export const secondFactorStore = {
  async factor(db: Executor, userId: string): Promise<TotpRow | undefined> {
    const [row] = await db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
    return row;
  },

  async save(db: Executor, row: typeof totpFactors.$inferInsert): Promise<void> {
    await db
      .insert(totpFactors)
      .values(row)
      .onConflictDoUpdate({
        target: totpFactors.userId,
        set: {
          generation: row.generation,
          seed: row.seed,
          dataKey: row.dataKey,
          kekVersion: row.kekVersion,
          confirmedAt: null,
          lastStep: 0,
          createdAt: new Date(),
        },
      });
  },

  async confirm(db: Executor, userId: string, step: number): Promise<void> {
    await db.update(totpFactors).set({ confirmedAt: new Date(), lastStep: step }).where(eq(totpFactors.userId, userId));
  },

  /** Moves the newest accepted step forward; false when `step` was accepted already (a replayed code). */
  async takeStep(db: Executor, userId: string, step: number): Promise<boolean> {
    const taken = await db
      .update(totpFactors)
      .set({ lastStep: step })
      .where(and(eq(totpFactors.userId, userId), lt(totpFactors.lastStep, step)))
      .returning({ userId: totpFactors.userId });
    return taken.length === 1;
  },

  /** Whether the user has any second factor: a confirmed TOTP or a passkey. */
  async hasAny(db: Executor, userId: string): Promise<boolean> {
    const [totp] = await db
      .select({ userId: totpFactors.userId })
      .from(totpFactors)
      .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt)))
      .limit(1);
    if (totp) return true;
    const [key] = await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).limit(1);
    return key !== undefined;
  },

  /** Which of these users have any second factor (one query each kind for a whole page of users). */
  async withAnyFactor(db: Executor, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const ids = [...userIds];
    const [totp, keys] = await Promise.all([
      db
        .select({ userId: totpFactors.userId })
        .from(totpFactors)
        .where(and(inArray(totpFactors.userId, ids), isNotNull(totpFactors.confirmedAt))),
      db.selectDistinct({ userId: passkeys.userId }).from(passkeys).where(inArray(passkeys.userId, ids)),
    ]);
    return new Set([...totp, ...keys].map((r) => r.userId));
  },

  async remove(db: Executor, userId: string): Promise<boolean> {
    await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    const gone = await db.delete(totpFactors).where(eq(totpFactors.userId, userId)).returning();
    return gone.length > 0;
  },

  async replaceRecoveryCodes(db: Executor, userId: string, hashes: readonly Buffer[]): Promise<void> {
    await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await db.insert(recoveryCodes).values(hashes.map((codeHash) => ({ codeHash, userId })));
  },

  /** Uses a recovery code up; false when it is not the user's or was used. */
  async useRecoveryCode(db: Executor, userId: string, codeHash: Buffer): Promise<boolean> {
    const used = await db
      .update(recoveryCodes)
      .set({ usedAt: new Date() })
      .where(and(eq(recoveryCodes.codeHash, codeHash), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
      .returning({ userId: recoveryCodes.userId });
    return used.length === 1;
  },

  async recoveryCodesLeft(db: Executor, userId: string): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
    return Number(row?.n ?? 0);
  },
};
