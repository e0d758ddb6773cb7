/**
 * The administration half of the access gate: permissions (`require`), the admin rules of
 * `admin.policy.ts` for permission and membership changes, acting on users and groups, and
 * token scopes and mint limits.
 */
import { AccessDeniedError, NotFoundError } from '../errors.ts';
import { type GroupRow, identityStore } from '../identity/identity.store.ts';
import { expandPermissions, isPermission, type Permission, permissions } from '../identity/permissions.ts';
import type { Principal, TokenScope } from '../identity/principal.ts';
import {
  grantableBy,
  grantProblem,
  groupDeletionProblem,
  type Holder,
  membershipProblem,
  userProblem,
} from './admin.policy.ts';
import type { GateCore } from './gate-core.ts';
import { holds, type PrincipalFacts, resolvePrincipal } from './principal-facts.ts';
import { readOnly } from './secret.policy.ts';

export function adminGate({ db, factsOf, refuse }: GateCore) {
  async function holderOf(holder: { userId: string } | { groupId: string }): Promise<Holder & { label: string }> {
    if ('userId' in holder) {
      const user = await identityStore.userById(db, holder.userId);
      if (!user) throw new NotFoundError(`No user ${holder.userId}`);
      const facts = await resolvePrincipal(db, { kind: 'user', id: user.id });
      return { kind: 'user', id: user.id, permissions: facts.permissions, label: user.email };
    }
    const group = await groupRow(holder.groupId);
    return { ...(await groupHolder(group)), label: group.name };
  }

  async function groupHolder(group: GroupRow): Promise<Holder & { kind: 'group' }> {
    const granted = await identityStore.permissionsOf(db, undefined, [group.id]);
    return {
      kind: 'group',
      id: group.id,
      name: group.name,
      permissions: expandPermissions(granted.filter(isPermission)),
      managedBy: group.managedBy,
    };
  }

  async function groupRow(ref: string): Promise<GroupRow> {
    const row = /^[0-9a-f-]{36}$/i.test(ref)
      ? await identityStore.groupById(db, ref)
      : await identityStore.groupByName(db, ref);
    if (!row) throw new NotFoundError(`No group "${ref}"`);
    return row;
  }

  const gate = {
    /**
     * Administration: the principal holds `permission`, or the call is refused and audited.
     * `mode: 'read'` lets a read-only token through; anything else needs a full one.
     * Only users and Tresor itself administer: a module acting for a group never does.
     */
    async require(
      principal: Principal,
      permission: Permission,
      what: string,
      options: { mode?: 'read' | 'change'; target?: { id: string | null; name: string } } = {},
    ): Promise<PrincipalFacts> {
      const facts = await factsOf(principal);
      const target = options.target ?? { id: null, name: what };
      if (principal.kind === 'group' || !holds(facts, permission))
        await refuse(
          principal,
          permission,
          target,
          new AccessDeniedError(`${what} needs the ${permission} permission`),
        );
      if ((options.mode ?? 'change') === 'change' && readOnly(principal))
        await refuse(
          principal,
          permission,
          target,
          new AccessDeniedError(`${what} needs a full token: this one is read-only`),
        );
      return facts;
    },

    /** A change the principal makes to its own account or tokens: refused for read-only tokens. */
    async requireChange(principal: Principal, what: string): Promise<PrincipalFacts> {
      const facts = await factsOf(principal);
      if (!facts.active)
        await refuse(
          principal,
          what,
          { id: null, name: what },
          new AccessDeniedError(`${what} needs an active account`),
        );
      if (readOnly(principal))
        await refuse(
          principal,
          what,
          { id: null, name: what },
          new AccessDeniedError(`${what} needs a full token: this one is read-only`),
        );
      return facts;
    },

    /**
     * Granting or revoking `permission` on a user (USER_ADMIN) or group (GROUP_ADMIN), by the rules of admin.policy.
     */
    async permissionChange(
      principal: Principal,
      holder: { userId: string } | { groupId: string },
      permission: Permission,
      change: 'grant' | 'revoke',
    ) {
      const base = 'userId' in holder ? 'USER_ADMIN' : 'GROUP_ADMIN';
      const facts = await gate.require(
        principal,
        base,
        `${change === 'grant' ? 'Granting' : 'Revoking'} permissions of ${'userId' in holder ? 'users' : 'groups'}`,
      );
      const target = await holderOf(holder);
      const problem = grantProblem(facts, target, permission, change);
      if (problem)
        await refuse(
          principal,
          `permission.${change}`,
          { id: target.id, name: target.label },
          new AccessDeniedError(problem),
        );
      return target;
    },

    /** The permissions the principal may grant to someone (pages offer only these). */
    async grantable(principal: Principal): Promise<Permission[]> {
      const facts = await factsOf(principal);
      return permissions.filter((p) => grantableBy(facts, p));
    },

    /** Adding or removing a member of a group (GROUP_ADMIN), by the rules of admin.policy. */
    async membershipChange(
      principal: Principal,
      groupRef: string,
      userId: string,
      change: 'add' | 'remove',
    ): Promise<GroupRow> {
      const facts = await gate.require(principal, 'GROUP_ADMIN', 'Changing memberships');
      const group = await groupRow(groupRef);
      const problem = membershipProblem(facts, await groupHolder(group), userId, change);
      if (problem)
        await refuse(
          principal,
          `membership.${change}`,
          { id: group.id, name: group.name },
          new AccessDeniedError(problem),
        );
      return group;
    },

    /** Deleting a group (GROUP_ADMIN; only by someone holding all the group holds). */
    async groupDeletion(principal: Principal, groupRef: string): Promise<GroupRow> {
      const facts = await gate.require(principal, 'GROUP_ADMIN', 'Deleting groups');
      const group = await groupRow(groupRef);
      const problem = groupDeletionProblem(facts, await groupHolder(group));
      if (problem)
        await refuse(principal, 'group.delete', { id: group.id, name: group.name }, new AccessDeniedError(problem));
      return group;
    },

    /** Acting on another user's account (USER_ADMIN; never on oneself, never on a user who holds more). */
    async userAction(principal: Principal, userId: string, what: string): Promise<void> {
      const facts = await gate.require(principal, 'USER_ADMIN', `To ${what} a user`);
      const target = await holderOf({ userId });
      const problem = userProblem(facts, target as Holder & { kind: 'user' }, what);
      if (problem)
        await refuse(
          principal,
          `user.${what.replaceAll(' ', '_')}`,
          { id: target.id, name: target.label },
          new AccessDeniedError(problem),
        );
    },

    /** Reading a user's details or permissions: the user itself, or a USER_ADMIN. */
    async readUser(principal: Principal, userId: string): Promise<void> {
      if (principal.kind === 'user' && principal.id === userId && (await factsOf(principal)).active) return;
      await gate.require(principal, 'USER_ADMIN', 'Reading another user', {
        mode: 'read',
        target: { id: userId, name: userId },
      });
    },

    /** Reading a group's members or permissions: a GROUP_ADMIN or USER_ADMIN (who must know what grants it holds). */
    async readGroup(principal: Principal, groupRef: string): Promise<GroupRow> {
      const facts = await factsOf(principal);
      if (!(holds(facts, 'USER_ADMIN') && principal.kind !== 'group'))
        await gate.require(principal, 'GROUP_ADMIN', 'Reading a group', {
          mode: 'read',
          target: { id: null, name: groupRef },
        });
      return groupRow(groupRef);
    },

    /**
     * What a new token may be: never wider than the token it is minted with (scope) and never
     * longer-lived than it; a token minted with one is revoked with it (parent).
     */
    async mint(
      principal: Principal,
      requested: { scope: TokenScope; expiresAt: Date | null },
    ): Promise<{ scope: TokenScope; expiresAt: Date | null; parentId: string | null }> {
      const facts = await factsOf(principal);
      if (principal.kind !== 'user' || !facts.active)
        await refuse(
          principal,
          'token.create',
          { id: null, name: 'token' },
          new AccessDeniedError('Only a signed-in user can create API tokens'),
        );
      const user = principal as Principal & { kind: 'user' };
      if (readOnly(user))
        await refuse(
          principal,
          'token.create',
          { id: null, name: 'token' },
          new AccessDeniedError('A read-only token cannot create tokens'),
        );
      const limit = user.via === 'token' ? (user.credential?.expiresAt ?? null) : null;
      const expiresAt =
        limit && (requested.expiresAt === null || requested.expiresAt > limit) ? limit : requested.expiresAt;
      return {
        scope: requested.scope,
        expiresAt,
        parentId: user.via === 'token' ? (user.credential?.tokenId ?? null) : null,
      };
    },
  };
  return gate;
}
