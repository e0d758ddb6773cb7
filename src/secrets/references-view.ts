/**
 * The configurations that name a secret, as one principal may learn of them: the ones it may
 * read by name, the rest only counted — deleting your secret must not tell you the names of
 * configurations others keep.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { Executor } from '../db/client.ts';
import type { Principal } from '../identity/principal.ts';
import { type Reference, referenceStore } from './reference.store.ts';

export interface ReferencesSeen {
  visible: Reference[];
  /** References held by secrets this principal may not read. */
  hidden: number;
}

export async function referencesSeenBy(
  gate: Pick<AccessGate, 'secret'>,
  db: Executor,
  principal: Principal,
  secret: { id: string; spaceId: string; name: string },
): Promise<ReferencesSeen> {
  const all = await referenceStore.referencing(db, secret);
  const visible: Reference[] = [];
  for (const reference of all) {
    // The unaudited check: a refusal here is not an attempt of the principal's, only a name withheld.
    const readable = await gate.secret(db, principal, reference.secretId, 'read').then(
      () => true,
      () => false,
    );
    if (readable) visible.push(reference);
  }
  return { visible, hidden: all.length - visible.length };
}

/** The references in words, for an error or a page: `ops-integration (Jira credential)` and a count of the rest. */
export function describeReferences(seen: ReferencesSeen): string {
  const named = seen.visible.map((r) => `${r.secretName} (${r.field})`);
  if (seen.hidden > 0) named.push(`${seen.hidden} secret${seen.hidden === 1 ? '' : 's'} you cannot see`);
  return named.length <= 1 ? (named[0] ?? '') : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}
