/** Database access for `secret_references`: which secrets name which others in `secretRef` fields. */
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { secretReferences, secrets } from '../db/schema/index.ts';

export interface Reference {
  /** The secret holding the reference (a configuration). */
  secretId: string;
  secretName: string;
  field: string;
}

export const referenceStore = {
  /** The references a secret's current version holds, in place of those of its previous one. */
  async replace(tx: Executor, secretId: string, refs: readonly { field: string; targetName: string }[]): Promise<void> {
    await tx.delete(secretReferences).where(eq(secretReferences.secretId, secretId));
    if (refs.length > 0) await tx.insert(secretReferences).values(refs.map((r) => ({ secretId, ...r })));
  },

  /** The secrets (other than itself) whose current version names `name`, any letter case. */
  async referencing(db: Executor, name: string, self: string): Promise<Reference[]> {
    return db
      .select({ secretId: secretReferences.secretId, secretName: secrets.name, field: secretReferences.field })
      .from(secretReferences)
      .innerJoin(secrets, eq(secrets.id, secretReferences.secretId))
      .where(and(sql`lower(${secretReferences.targetName}) = lower(${name})`, ne(secretReferences.secretId, self)))
      .orderBy(asc(secrets.name), asc(secretReferences.field));
  },
};
