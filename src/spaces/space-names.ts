/**
 * Space names by id, for saying where a secret is (`payments/smtp`). A space's name never
 * changes, so a node keeps each one it has read: a page of fifty secrets from three spaces
 * costs no query once those three are known.
 */
import { inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { spaces } from '../db/schema/index.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
import { defaultSpaceName } from '../secrets/secret-rules.ts';

export function spaceNamesFactory(db: Executor) {
  const known = new Map<string, string>([[defaultSpaceId, defaultSpaceName]]);
  return {
    /** The names of these spaces (an id no space has is left out). */
    async of(ids: Iterable<string>): Promise<ReadonlyMap<string, string>> {
      const missing = [...new Set(ids)].filter((id) => !known.has(id));
      if (missing.length > 0) {
        const rows = await db
          .select({ id: spaces.id, name: spaces.name })
          .from(spaces)
          .where(inArray(spaces.id, missing));
        for (const row of rows) known.set(row.id, row.name);
      }
      return known;
    },
  };
}

export type SpaceNames = ReturnType<typeof spaceNamesFactory>;
