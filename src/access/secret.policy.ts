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
 *
 * Spaces (every secret is in one; the default space holds an installation's first secrets and
 * every active user is a member of it, so an installation with one space works as above):
 * - SECRET_MANAGEMENT manages the default space; a space's `manager` role manages that space
 *   (manage, never use); instance SECRET_MANAGEMENT gives nothing in another space;
 * - in a space other than the default, its owner changes and deletes their own secret while
 *   they hold a role there that creates (member, manager, admin);
 * - visibility `space`: every role in the space reads its metadata and sees it in the store;
 *   members' and admins' modules may use it (viewers and managers may not); nobody sees values;
 * - visibility `global`: usable by every active user's and group's modules, in every space.
 */
import { defaultSpaceId } from '../db/schema/spaces.ts';
import type { Principal } from '../identity/principal.ts';
import type { PrincipalFacts, SpaceRole } from './principal-facts.ts';

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
  /** The secret's space and who besides owner and shares reaches it. */
  spaceId: string;
  visibility: Visibility;
}

export const visibilities = ['private', 'space', 'global'] as const;
export type Visibility = (typeof visibilities)[number];
export const isVisibility = (value: string): value is Visibility => (visibilities as readonly string[]).includes(value);

/** The roles a principal holds in a space (every active user is a member of the default space). */
export function rolesIn(facts: PrincipalFacts, spaceId: string): ReadonlySet<SpaceRole> {
  return facts.spaceRoles.get(spaceId) ?? noRoles;
}
const noRoles: ReadonlySet<SpaceRole> = new Set();

/** Whether the principal manages the secrets of space `spaceId` (manage, never use). */
export function managesSpace(facts: PrincipalFacts, spaceId: string): boolean {
  if (facts.isSystem) return true;
  if (spaceId === defaultSpaceId && facts.permissions.has('SECRET_MANAGEMENT')) return true;
  return rolesIn(facts, spaceId).has('manager');
}

/** Whether the principal may create secrets in space `spaceId` (before a type's own rule). */
export function createsIn(facts: PrincipalFacts, spaceId: string): boolean {
  if (facts.isSystem) return true;
  if (spaceId === defaultSpaceId) return facts.permissions.has('SECRET_MANAGEMENT_CREATE');
  const roles = rolesIn(facts, spaceId);
  return roles.has('member') || roles.has('manager') || roles.has('admin');
}

/** allow; denied (it may know the secret exists: 403); hidden (it must not learn it exists: 404). */
export type Decision = 'allow' | 'denied' | 'hidden';

/** Manages the default space's secrets (instance SECRET_MANAGEMENT), or is Tresor itself. */
export const isManager = (facts: PrincipalFacts) => managesSpace(facts, defaultSpaceId);

/** Whether the principal came with a read-only token. */
export const readOnly = (principal: Principal) => principal.kind === 'user' && principal.scope === 'read';

export function decide(operation: SecretOperation, facts: PrincipalFacts, relation: SecretRelation): Decision {
  if (!facts.active) return 'hidden';
  const manager = managesSpace(facts, relation.spaceId);
  const roles = rolesIn(facts, relation.spaceId);
  const owner = relation.owner && facts.userId !== null;
  const inSpace = relation.visibility === 'space' && roles.size > 0;
  const usesSpace = relation.visibility === 'space' && (roles.has('member') || roles.has('admin'));
  const global = relation.visibility === 'global';
  const canRead = owner || relation.directShare || manager || inSpace;
  const refuse: Decision = canRead ? 'denied' : 'hidden';
  // Outside the default space an owner's rights come from creating there, not from instance permissions.
  const ownerMay = (permission: 'SECRET_MANAGEMENT_UPDATE' | 'SECRET_MANAGEMENT_DELETE') =>
    owner &&
    (relation.spaceId === defaultSpaceId ? facts.permissions.has(permission) : createsIn(facts, relation.spaceId));
  if (readOnly(facts.principal) && !readOnlyOperations.has(operation))
    return operation === 'use' && !canRead ? 'hidden' : refuse;
  switch (operation) {
    case 'view':
      return owner || relation.directShare || inSpace ? 'allow' : refuse;
    case 'read':
    case 'versions':
      return canRead ? 'allow' : 'hidden';
    case 'update':
    case 'rollback':
    case 'share':
    case 'unshare':
      return manager || ownerMay('SECRET_MANAGEMENT_UPDATE') ? 'allow' : refuse;
    case 'delete':
      return manager || ownerMay('SECRET_MANAGEMENT_DELETE') ? 'allow' : refuse;
    case 'use':
      return owner || relation.directShare || relation.groupShare || usesSpace || global ? 'allow' : 'hidden';
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

/** Each operation in words, for refusals ("You may not change secret …"). */
export const describeOperation: Record<SecretOperation, string> = {
  view: 'see',
  read: 'read',
  update: 'change',
  delete: 'delete',
  share: 'share',
  unshare: 'unshare',
  versions: 'list the versions of',
  rollback: 'roll back',
  use: 'use',
  export: 'export',
  holders: 'see who holds',
};
