/**
 * Loads a secret together with the principal's facts and relation, and applies the policy:
 * the one gate every secret operation passes through.
 */
import type { Executor } from '../db/client.ts';
import { markDenied } from '../audit/denials.ts';
import { AccessDeniedError, NotFoundError } from '../errors.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import { type PrincipalFacts, resolvePrincipal } from '../identity/access.resolver.ts';
import type { Principal } from '../identity/principal.ts';
import { decide, type SecretOperation, type SecretRelation } from './secret-access.policy.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import { shareStore } from './share.store.ts';

export interface Authorized {
  row: SecretRow;
  facts: PrincipalFacts;
  relation: SecretRelation;
}

const describeOperation: Record<SecretOperation, string> = {
  view: 'see',
  read: 'read',
  update: 'change',
  delete: 'delete',
  share: 'share',
  unshare: 'unshare',
  versions: 'list the versions of',
  rollback: 'roll back',
  use: 'use',
};

export async function relationOf(db: Executor, row: SecretRow, facts: PrincipalFacts, cache?: ReadCache): Promise<SecretRelation> {
  const load = async () => ({ owner: facts.userId !== null && row.ownerId === facts.userId, ...(await shareStore.relation(db, row.id, facts.userId, [...facts.groupIds])) });
  return cache ? cache.through('relations', `${row.id}|${principalKey(facts.principal)}`, load, () => row.id) : load();
}

const principalKey = (p: Principal) => (p.kind === 'system' ? 'system' : `${p.kind}:${p.id}`);

/** Principal facts, through the cache when one is given. */
export function factsOf(db: Executor, principal: Principal, cache?: ReadCache): Promise<PrincipalFacts> {
  return cache ? cache.through('principals', principalKey(principal), () => resolvePrincipal(db, principal)) : resolvePrincipal(db, principal);
}

/**
 * The secret `ref` if `principal` may do `operation` on it. A principal that must not learn
 * the secret exists gets the same not-found error as for a name that does not exist.
 * With `lock`, the row is locked for the rest of the transaction.
 */
export async function authorize(db: Executor, principal: Principal, ref: string, operation: SecretOperation, options: { lock?: boolean; cache?: ReadCache } = {}): Promise<Authorized> {
  // Locked reads (inside a change) always go to the database; plain reads may use the node's cache.
  const cache = options.lock ? undefined : options.cache;
  const facts = await factsOf(db, principal, cache);
  const row = options.lock ? await secretStore.lock(db, ref) : cache ? await cache.through('secrets', ref, () => secretStore.find(db, ref), (r) => r?.id) : await secretStore.find(db, ref);
  const notFoundMessage = operation === 'use' ? `No usable secret "${ref}"` : `No secret "${ref}"`;
  if (!row) throw markDenied(new NotFoundError(notFoundMessage));
  const relation = await relationOf(db, row, facts, cache);
  const decision = decide(operation, facts, relation);
  const target = { id: row.id, name: row.name };
  if (decision === 'hidden') throw markDenied(new NotFoundError(notFoundMessage), target);
  if (decision === 'denied') throw markDenied(new AccessDeniedError(`You may not ${describeOperation[operation]} secret "${row.name}"`), target);
  return { row, facts, relation };
}
