/** Database access for CLI sign-ins approved in a browser (one exchange each, two minutes at most). */
import { eq, lt } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { cliAuthorizations } from '../db/schema/index.ts';

export const cliAuthorizationStore = {
  /** Records an approval; approvals past their time go with the same call. */
  async insert(db: Executor, row: typeof cliAuthorizations.$inferInsert): Promise<void> {
    await db.delete(cliAuthorizations).where(lt(cliAuthorizations.expiresAt, new Date()));
    await db.insert(cliAuthorizations).values(row);
  },

  /** Takes an approval out: a second exchange of the same code finds nothing. */
  async take(db: Executor, codeHash: Buffer) {
    const [row] = await db.delete(cliAuthorizations).where(eq(cliAuthorizations.codeHash, codeHash)).returning();
    return row;
  },
};
