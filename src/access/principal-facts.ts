/**
 * Resolves a principal into the facts every policy decision needs: who it is, which
 * groups it stands in, which permissions it holds, and whether it may act at all.
 * Only the access gate calls it (and caches the answer until a change is announced).
 */
import type { Executor } from '../db/client.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
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
  /** The roles held in each space, directly or through a group (a user is a member of the default space). */
  spaceRoles: ReadonlyMap<string, ReadonlySet<SpaceRole>>;
  /** The name of the user's own default space, if they chose one: their bare names resolve there first. */
  homeSpace?: string;
}

export const spaceRoleNames = ['admin', 'manager', 'member', 'viewer'] as const;
export type SpaceRole = (typeof spaceRoleNames)[number];

const isSpaceRole = (value: string): value is SpaceRole => (spaceRoleNames as readonly string[]).includes(value);

/** `space-id:role` pairs as the standing query reads them, as a map; `member` of the default space for a user. */
export function spaceRolesOf(pairs: readonly string[], user: boolean): Map<string, Set<SpaceRole>> {
  const roles = new Map<string, Set<SpaceRole>>();
  const add = (spaceId: string, role: SpaceRole) => {
    const held = roles.get(spaceId);
    if (held) held.add(role);
    else roles.set(spaceId, new Set([role]));
  };
  if (user) add(defaultSpaceId, 'member');
  for (const pair of pairs) {
    const [spaceId, role] = pair.split(':');
    if (spaceId && role && isSpaceRole(role)) add(spaceId, role);
  }
  return roles;
}

const none: ReadonlyMap<string, ReadonlySet<SpaceRole>> = new Map();

export async function resolvePrincipal(db: Executor, principal: Principal): Promise<PrincipalFacts> {
  if (principal.kind === 'system') {
    return {
      principal,
      userId: null,
      groupIds: new Set(),
      permissions: new Set(),
      active: true,
      isSystem: true,
      spaceRoles: none,
    };
  }
  if (principal.kind === 'group') {
    const group = await identityStore.groupById(db, principal.id);
    const granted = group ? await identityStore.permissionsOf(db, undefined, [group.id]) : [];
    const roles = group ? await identityStore.spaceRolesOfGroup(db, group.id) : [];
    return {
      principal,
      userId: null,
      groupIds: new Set(group ? [group.id] : []),
      permissions: expandPermissions(granted.filter(isPermission)),
      active: group !== undefined,
      isSystem: false,
      spaceRoles: spaceRolesOf(roles, false),
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
      spaceRoles: none,
    };
  return {
    principal,
    userId: principal.id,
    groupIds: new Set(standing.groupIds),
    permissions: expandPermissions(standing.permissions.filter(isPermission)),
    active: true,
    isSystem: false,
    spaceRoles: spaceRolesOf(standing.spaceRoles, true),
    ...(standing.homeSpace ? { homeSpace: standing.homeSpace } : {}),
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
