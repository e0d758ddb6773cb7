/**
 * The SQL half of the listing decisions in `secret.policy.ts`, kept beside them: which
 * secrets a principal's store shows, and which its modules may use. The secret store adds
 * the condition to its listing query; it never decides visibility itself.
 */
import { type SQL, sql } from 'drizzle-orm';
import { secrets } from '../db/schema/index.ts';
import { shareStore } from '../secrets/share.store.ts';

/** `space_id in (…)` for these spaces (false for none). */
const inSpaces = (spaceIds: readonly string[]): SQL =>
  spaceIds.length === 0
    ? sql`false`
    : sql`${secrets.spaceId} in (${sql.join(
        spaceIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`;

export const secretVisibility = {
  /**
   * The user's store: secrets they own, those shared with them directly, and those visible to a
   * space they hold a role in (as one id set, each part on its own index).
   */
  store: (userId: string, roleSpaces: readonly string[]): SQL =>
    sql`${secrets.id} in (select ${secrets.id} from ${secrets} where ${secrets.ownerId} = ${userId} union all
      ${shareStore.idsSharedWithUser(userId)} union all
      select ${secrets.id} from ${secrets} where ${secrets.visibility} = 'space' and ${inSpaces(roleSpaces)})`,

  /**
   * What the modules of a user (with its groups) or of a group may use: owned, shared with any of
   * them, visible to a space where it uses (member, admin), or global.
   */
  usable: (userId: string | null, groupIds: readonly string[], useSpaces: readonly string[]): SQL =>
    sql`(${userId ? sql`${secrets.ownerId} = ${userId} or ` : sql``}${shareStore.sharedWithAny(
      secrets.id,
      userId,
      groupIds,
    )} or (${secrets.visibility} = 'space' and ${inSpaces(useSpaces)}) or ${secrets.visibility} = 'global')`,

  /** Every secret of these spaces (what their managers list). */
  inSpaces,
};
