/**
 * Resolves a principal into the facts every policy decision needs: who it is, which
 * groups it stands in, which permissions it holds, and whether it may act at all.
 * Only the access gate calls it (and caches the answer until a change is announced).
 */
import type { Executor } from '../db/client.ts';
import { identityStore, type UserStanding } from '../identity/identity.store.ts';
import { expandPermissions, isPermission, type Permission } from '../identity/permissions.ts';
import type { Principal } from '../identity/principal.ts';

export interface PrincipalFacts {
  principal: Principal;
  /** The acting user, if the principal is one. */
  userId: string | null;
  /** A user's groups; a group principal's own id. */
  groupIds: ReadonlySet<string>;
  permissions: ReadonlySet<Permission>;
  /** False for a disabled or unknown user, or an unknown group: such a principal may do nothing. */
  active: boolean;
  /** Tresor itself: local administration, bootstrap, rotation. */
  isSystem: boolean;
}

export async function resolvePrincipal(db: Executor, principal: Principal): Promise<PrincipalFacts> {
  if (principal.kind === 'system') {
    return { principal, userId: null, groupIds: new Set(), permissions: new Set(), active: true, isSystem: true };
  }
  if (principal.kind === 'group') {
    const group = await identityStore.groupById(db, principal.id);
    const granted = group ? await identityStore.permissionsOf(db, undefined, [group.id]) : [];
    return {
      principal,
      userId: null,
      groupIds: new Set(group ? [group.id] : []),
      permissions: expandPermissions(granted.filter(isPermission)),
      active: group !== undefined,
      isSystem: false,
    };
  }
  return userFacts(principal, await identityStore.userStanding(db, principal.id));
}

/** What a user may do, from its standing as read (none: an unknown user). */
export function userFacts(principal: Principal & { kind: 'user' }, standing: UserStanding | undefined): PrincipalFacts {
  if (!standing || standing.disabled)
    return {
      principal,
      userId: principal.id,
      groupIds: new Set(),
      permissions: new Set(),
      active: false,
      isSystem: false,
    };
  return {
    principal,
    userId: principal.id,
    groupIds: new Set(standing.groupIds),
    permissions: expandPermissions(standing.permissions.filter(isPermission)),
    active: true,
    isSystem: false,
  };
}

/** Whether the facts allow an administration permission (Tresor itself always may). */
export function holds(facts: PrincipalFacts, permission: Permission): boolean {
  return facts.active && (facts.isSystem || facts.permissions.has(permission));
}

/** The permissions `other` holds that `facts` lacks (none, for Tresor itself). */
export function heldBeyond(facts: PrincipalFacts, other: ReadonlySet<Permission>): Permission[] {
  if (facts.isSystem) return [];
  return [...other].filter((p) => !facts.permissions.has(p));
}
