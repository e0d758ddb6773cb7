/**
 * The SQL half of the listing decisions in `secret.policy.ts`, kept beside them: which
 * secrets a principal's store shows, and which its modules may use. The secret store adds
 * the condition to its listing query; it never decides visibility itself.
 */
import { type SQL, sql } from 'drizzle-orm';
import { secrets } from '../db/schema/index.ts';
import { shareStore } from '../secrets/share.store.ts';

export const secretVisibility = {
  /**
   * The user's store: secrets they own plus those shared with them directly (as one id set, each half on its own
   * index).
   */
  store: (userId: string): SQL =>
    sql`${secrets.id} in (select ${secrets.id} from ${secrets} where ${secrets.ownerId} = ${userId} union all
      ${shareStore.idsSharedWithUser(userId)})`,

  /** What the modules of a user (with its groups) or of a group may use: owned, or shared with any of them. */
  usable: (userId: string | null, groupIds: readonly string[]): SQL =>
    userId
      ? sql`(${secrets.ownerId} = ${userId} or ${shareStore.sharedWithAny(secrets.id, userId, groupIds)})`
      : shareStore.sharedWithAny(secrets.id, null, groupIds),
};
