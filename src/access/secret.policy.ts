/**
 * Who may do what with a secret: pure functions over the principal's facts and its
 * relation to the secret. Only the access gate (`access.gate.ts`) calls them.
 *
 * - owner: sees it in their store, reads, uses; changes it with the matching permission;
 * - direct share (user): sees it in their store (never secret values), reads, uses; never changes or re-shares;
 * - group share: members' modules may use it; members do not see it or its fields;
 * - SECRET_MANAGEMENT: reads, changes, shares and deletes every secret, never uses (values),
 *   and never shares a secret it does not own with itself or a group it stands in;
 * - Tresor itself (system): as SECRET_MANAGEMENT;
 * - export (values into an archive for another instance): Tresor itself and holders of
 *   SECRET_EXPORT only, whatever their relation to the secret;
 * - holders (whom it is shared with, whom modules used it for): its owner and SECRET_MANAGEMENT
 *   only — a share recipient uses it without learning who else holds it;
 * - a `read`-scoped token: view, read, versions and holders only, whatever its user may do;
 * - disabled users and strangers: nothing, and cannot tell a secret exists.
 */
import type { Principal } from '../identity/principal.ts';
import type { PrincipalFacts } from './principal-facts.ts';

export const secretOperations = [
  'view',
  'read',
  'update',
  'delete',
  'share',
  'unshare',
  'versions',
  'rollback',
  'use',
  'export',
  'holders',
] as const;
export type SecretOperation = (typeof secretOperations)[number];

/** What a read-only token may do with a secret. */
const readOnlyOperations: ReadonlySet<SecretOperation> = new Set(['view', 'read', 'versions', 'holders']);

export interface SecretRelation {
  owner: boolean;
  directShare: boolean;
  groupShare: boolean;
}

/** allow; denied (it may know the secret exists: 403); hidden (it must not learn it exists: 404). */
export type Decision = 'allow' | 'denied' | 'hidden';

export const isManager = (facts: PrincipalFacts) => facts.isSystem || facts.permissions.has('SECRET_MANAGEMENT');

/** Whether the principal came with a read-only token. */
export const readOnly = (principal: Principal) => principal.kind === 'user' && principal.scope === 'read';

export function decide(operation: SecretOperation, facts: PrincipalFacts, relation: SecretRelation): Decision {
  if (!facts.active) return 'hidden';
  const manager = isManager(facts);
  const owner = relation.owner && facts.userId !== null;
  const canRead = owner || relation.directShare || manager;
  const refuse: Decision = canRead ? 'denied' : 'hidden';
  if (readOnly(facts.principal) && !readOnlyOperations.has(operation))
    return operation === 'use' && !canRead ? 'hidden' : refuse;
  switch (operation) {
    case 'view':
      return owner || relation.directShare ? 'allow' : refuse;
    case 'read':
    case 'versions':
      return canRead ? 'allow' : 'hidden';
    case 'update':
    case 'rollback':
    case 'share':
    case 'unshare':
      return manager || (owner && facts.permissions.has('SECRET_MANAGEMENT_UPDATE')) ? 'allow' : refuse;
    case 'delete':
      return manager || (owner && facts.permissions.has('SECRET_MANAGEMENT_DELETE')) ? 'allow' : refuse;
    case 'use':
      return owner || relation.directShare || relation.groupShare ? 'allow' : 'hidden';
    case 'export':
      return facts.isSystem || facts.permissions.has('SECRET_EXPORT') ? 'allow' : refuse;
    case 'holders':
      return owner || manager ? 'allow' : refuse;
  }
}

/**
 * How much of an answer derived from a stored value (a connection test's report, a strength
 * score) a principal that may use the secret gets: all of it, with the secret's metadata,
 * when it may also read the secret; pass or fail only when it uses the secret without
 * seeing it (a group member), so the answer tells it nothing its GET would not.
 */
export function derivedDetail(facts: PrincipalFacts, relation: SecretRelation): 'full' | 'verdict' {
  return decide('read', facts, relation) === 'allow' ? 'full' : 'verdict';
}

/** A share's recipient, resolved. */
export type Recipient = { userId: string } | { groupId: string };

/**
 * Why this share would hand the sharer a use it does not have, if it would: a manager who
 * does not own the secret may not share it with itself or with a group it stands in
 * (SECRET_MANAGEMENT manages secrets; it never uses their values).
 */
export function selfShareProblem(
  facts: PrincipalFacts,
  relation: SecretRelation,
  recipient: Recipient,
): string | undefined {
  if (relation.owner || facts.isSystem) return undefined;
  if ('userId' in recipient && recipient.userId === facts.userId)
    return 'You may not share a secret you do not own with yourself';
  if ('groupId' in recipient && facts.groupIds.has(recipient.groupId))
    return 'You may not share a secret you do not own with a group you belong to';
  return undefined;
}
