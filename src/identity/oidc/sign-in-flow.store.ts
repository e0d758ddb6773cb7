/** Database access for sign-ins under way at an outside provider (one callback each, ten minutes at most). */
import { eq, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { signInFlows } from '../../db/schema/index.ts';

export type SignInFlowRow = typeof signInFlows.$inferSelect;

export const signInFlowStore = {
  /** Records a flow; flows past their time go with the same call. */
  async begin(db: Executor, row: SignInFlowRow): Promise<void> {
    await db.delete(signInFlows).where(lt(signInFlows.expiresAt, new Date()));
    await db.insert(signInFlows).values(row);
  },

  /** Takes a flow out (a second callback with the same cookie finds nothing). */
  async take(db: Executor, idHash: Buffer): Promise<SignInFlowRow | undefined> {
    const [row] = await db.delete(signInFlows).where(eq(signInFlows.idHash, idHash)).returning();
    return row;
  },
};
