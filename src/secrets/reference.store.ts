/** Database access for `secret_references`: which secrets name which others in `secretRef` fields. */
import { and, asc, eq, ne, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { secretReferences, secrets, spaces } from '../db/schema/index.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';

/**
 * Whether a stored reference (`r.target_name`) names the secret row `s`: as `space/name`, or by
 * its bare name when it is in the default space (where a bare name resolves). One condition for
 * "where is it used?" and for deleting a named secret, so the two cannot disagree.
 */
export const namesSecret = (target: SQL, secret: { spaceId: SQL | string; name: SQL | string }) =>
  sql`lower(${target}) in (
    case when ${secret.spaceId} = ${defaultSpaceId}::uuid then lower(${secret.name}) end,
    lower((select sp.name from ${spaces} sp where sp.id = ${secret.spaceId}) || '/' || ${secret.name}))`;

export interface Reference {
  /** The secret holding the reference (a configuration). */
  secretId: string;
  secretName: string;
  field: string;
}

export const referenceStore = {
  /** The references a value's current version holds (the secret's own, or an environment's), in place of the last. */
  async replace(
    tx: Executor,
    secretId: string,
    refs: readonly { field: string; targetName: string }[],
    environment = '',
  ): Promise<void> {
    await tx
      .delete(secretReferences)
      .where(and(eq(secretReferences.secretId, secretId), eq(secretReferences.environment, environment)));
    if (refs.length > 0) await tx.insert(secretReferences).values(refs.map((r) => ({ secretId, environment, ...r })));
  },

  /** The secrets (other than `secret` itself) whose current version names it, any letter case. */
  async referencing(db: Executor, secret: { id: string; spaceId: string; name: string }): Promise<Reference[]> {
    // Distinct: several environments' values of one configuration may name it in the same field.
    return db
      .selectDistinct({ secretId: secretReferences.secretId, secretName: secrets.name, field: secretReferences.field })
      .from(secretReferences)
      .innerJoin(secrets, eq(secrets.id, secretReferences.secretId))
      .where(and(namesSecret(sql`${secretReferences.targetName}`, secret), ne(secretReferences.secretId, secret.id)))
      .orderBy(asc(secrets.name), asc(secretReferences.field));
  },
};
