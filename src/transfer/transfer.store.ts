/** Database reads for an export: every secret (or the named ones) with its owner's e-mail. */
import { asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { secrets, users } from '../db/schema/index.ts';

export const transferStore = {
  async secretsToExport(db: Executor, only?: readonly string[]) {
    const query = db
      .select({ id: secrets.id, name: secrets.name, ownerEmail: users.email })
      .from(secrets)
      .leftJoin(users, eq(users.id, secrets.ownerId))
      .orderBy(asc(secrets.name));
    if (!only) return query;
    const ids = only.filter((r) => /^[0-9a-f-]{36}$/i.test(r));
    const names = only.map((r) => r.toLowerCase());
    return query.where(
      or(ids.length > 0 ? inArray(secrets.id, ids) : sql`false`, inArray(sql`lower(${secrets.name})`, names)),
    );
  },
};
