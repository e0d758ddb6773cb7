/**
 * Who may do what with a secret: one pure function over the principal's facts and its
 * relation to the secret. The UI, the API, the CLI and modules all reach it through the
 * secret service, so they cannot disagree.
 *
 * - owner: sees it in their store, reads, uses; changes it with the matching permission;
 * - direct share (user): sees it in their store (never secret values), reads, uses; never changes or re-shares;
 * - group share: members' modules may use it; members do not see it or its fields;
 * - SECRET_MANAGEMENT: reads, changes, shares and deletes every secret, never uses (values);
 * - Tresor itself (system): as SECRET_MANAGEMENT;
 * - disabled users and strangers: nothing, and cannot tell a secret exists.
 */
import type { PrincipalFacts } from '../identity/access.resolver.ts';

export const secretOperations = ['view', 'read', 'update', 'delete', 'share', 'unshare', 'versions', 'rollback', 'use'] as const;
export type SecretOperation = (typeof secretOperations)[number];

export interface SecretRelation {
  owner: boolean;
  directShare: boolean;
  groupShare: boolean;
}

/** allow; denied (it may know the secret exists: 403); hidden (it must not learn it exists: 404). */
export type Decision = 'allow' | 'denied' | 'hidden';

export function decide(operation: SecretOperation, facts: PrincipalFacts, relation: SecretRelation): Decision {
  if (!facts.active) return 'hidden';
  const manager = facts.isSystem || facts.permissions.has('SECRET_MANAGEMENT');
  const owner = relation.owner && facts.userId !== null;
  const canRead = owner || relation.directShare || manager;
  const refuse: Decision = canRead ? 'denied' : 'hidden';
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
  }
}
