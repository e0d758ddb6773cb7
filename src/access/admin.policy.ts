/**
 * Rules for administration: what USER_ADMIN and GROUP_ADMIN may do to whom. Pure functions
 * over facts; only the access gate calls them. Each answers `undefined` (allowed) or the
 * reason it is refused, written for the person refused.
 *
 * - Nobody grants a permission they do not hold, nor grants to themselves or to a group
 *   they stand in (that would be granting to themselves).
 * - Nobody adds themselves to a group, or removes themselves from one.
 * - A group whose members come from a sign-in source (an OpenID provider's groups claim, a
 *   directory) has its members changed there only: Tresor itself included.
 * - Changing a group's members, or deleting it, hands out or takes away what the group
 *   holds: only someone who holds all of it may.
 * - A USER_ADMIN may not reset the password of, disable, or revoke the tokens of a user who
 *   holds a permission the USER_ADMIN lacks, nor change the permissions of such a user.
 * - Some permissions are handed out by Tresor itself only (SECRET_EXPORT: every value, in
 *   the clear of an archive): nobody grants them, to a user or a group, nor adds a member to
 *   a group that holds them, whatever they hold. Taking them away is allowed as usual.
 */
import type { Permission } from '../identity/permissions.ts';
import { heldBeyond, type PrincipalFacts } from './principal-facts.ts';

export type Holder =
  | { kind: 'user'; id: string; permissions: ReadonlySet<Permission> }
  | {
      kind: 'group';
      id: string;
      name: string;
      permissions: ReadonlySet<Permission>;
      /** The sign-in source whose directory owns the members (oidc, ldap, host); null: managed here. */
      managedBy?: string | null;
    };

const self = (facts: PrincipalFacts, holder: Holder) =>
  !facts.isSystem && (holder.kind === 'user' ? holder.id === facts.userId : facts.groupIds.has(holder.id));

/** Granted only by Tresor itself (the CLI in local mode): holding one is no right to pass it on. */
export const tresorGrantedOnly: ReadonlySet<Permission> = new Set<Permission>(['SECRET_EXPORT']);

/** Whether the principal may grant `permission` to anyone at all (what a page offers). */
export const grantableBy = (facts: PrincipalFacts, permission: Permission): boolean =>
  facts.isSystem || (facts.permissions.has(permission) && !tresorGrantedOnly.has(permission));

export function grantProblem(
  facts: PrincipalFacts,
  holder: Holder,
  permission: Permission,
  change: 'grant' | 'revoke',
): string | undefined {
  if (self(facts, holder))
    return holder.kind === 'user'
      ? `You may not ${change} permissions of your own account`
      : `You may not ${change} permissions of a group you belong to`;
  if (!facts.isSystem && !facts.permissions.has(permission))
    return `You may not ${change} ${permission}: you do not hold it`;
  if (!facts.isSystem && change === 'grant' && tresorGrantedOnly.has(permission))
    return `${permission} is granted only by Tresor itself (tresor groups grant in local mode)`;
  if (holder.kind === 'user') return beyond(facts, holder, `change the permissions of`);
  return undefined;
}

export function membershipProblem(
  facts: PrincipalFacts,
  group: Holder & { kind: 'group' },
  userId: string,
  change: 'add' | 'remove',
): string | undefined {
  if (group.managedBy)
    return `Group "${group.name}" takes its members from ${group.managedBy}: change them there (they sync at sign-in)`;
  if (!facts.isSystem && userId === facts.userId)
    return change === 'add' ? 'You may not add yourself to a group' : 'You may not remove yourself from a group';
  const lacking = heldBeyond(facts, group.permissions);
  if (lacking.length > 0)
    return `Group "${group.name}" holds ${lacking.join(', ')}, which you do not hold: you may not change its members`;
  const reserved = [...group.permissions].filter((p) => tresorGrantedOnly.has(p));
  if (!facts.isSystem && change === 'add' && reserved.length > 0)
    return (
      `Group "${group.name}" holds ${reserved.join(', ')}, which only Tresor itself hands out: ` +
      'add members in local mode'
    );
  return undefined;
}

export function groupDeletionProblem(facts: PrincipalFacts, group: Holder & { kind: 'group' }): string | undefined {
  const lacking = heldBeyond(facts, group.permissions);
  if (lacking.length > 0)
    return `Group "${group.name}" holds ${lacking.join(', ')}, which you do not hold: you may not delete it`;
  return undefined;
}

/** Acting on another user's account (password reset, disable, tokens). */
export function userProblem(
  facts: PrincipalFacts,
  target: Holder & { kind: 'user' },
  what: string,
): string | undefined {
  if (!facts.isSystem && target.id === facts.userId) return `You may not ${what} your own account this way`;
  return beyond(facts, target, what);
}

function beyond(facts: PrincipalFacts, target: Holder, what: string): string | undefined {
  const lacking = heldBeyond(facts, target.permissions);
  return lacking.length > 0
    ? `You may not ${what} a user who holds ${lacking.join(', ')}, which you do not hold`
    : undefined;
}
