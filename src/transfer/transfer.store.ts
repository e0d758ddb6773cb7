/** Database reads for an export: every secret (or the named ones, or one space's) with its owner's e-mail and space. */
import { and, asc, eq, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { secrets, spaces, users } from '../db/schema/index.ts';
import { isSecretId, spacedName } from '../secrets/secret-rules.ts';

/** A secret named by id, or by `space/name` (a bare name: the default space's), as everywhere. */
function refers(ref: string): SQL {
  if (isSecretId(ref)) return eq(secrets.id, ref);
  const { space, name } = spacedName(ref);
  return sql`(lower(${spaces.name}) = lower(${space}) and lower(${secrets.name}) = lower(${name}))`;
}

export const transferStore = {
  async secretsToExport(db: Executor, filter: { only?: readonly string[]; spaceId?: string } = {}) {
    const where: SQL[] = [];
    if (filter.only) where.push(or(sql`false`, ...filter.only.map(refers))!);
    if (filter.spaceId) where.push(eq(secrets.spaceId, filter.spaceId));
    return db
      .select({
        id: secrets.id,
        name: secrets.name,
        space: spaces.name,
        visibility: secrets.visibility,
        ownerEmail: users.email,
      })
      .from(secrets)
      .innerJoin(spaces, eq(spaces.id, secrets.spaceId))
      .leftJoin(users, eq(users.id, secrets.ownerId))
      .where(and(...where))
      .orderBy(asc(spaces.name), asc(secrets.name));
  },
};
