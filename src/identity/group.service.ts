/**
 * Groups, memberships and permission grants. Groups and memberships need GROUP_ADMIN;
 * granting to a user needs USER_ADMIN, to a group GROUP_ADMIN. The built-in `system`
 * group cannot be deleted.
 */
import type { AuditEvent } from '../audit/audit-events.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { AccessDeniedError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { holds, resolvePrincipal } from './access.resolver.ts';
import { groupDescriptionSchema, groupNameSchema } from './identity-rules.ts';
import { type GroupRow, identityStore } from './identity.store.ts';
import { isPermission, type Permission, permissions } from './permissions.ts';
import type { Principal } from './principal.ts';
import { type User, userOf } from './user.service.ts';

export const systemGroupName = 'system';

export interface Group {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
}

const groupOf = (row: GroupRow): Group => ({ id: row.id, name: row.name, description: row.description, builtIn: row.builtIn });

export type PermissionHolder = { userId: string } | { groupId: string };

export function groupServiceFactory({ db, audit }: { db: Database; audit: Pick<AuditService, 'appendInTx'> }) {
  async function require(principal: Principal, permission: Permission, what: string): Promise<void> {
    if (!holds(await resolvePrincipal(db, principal), permission)) throw new AccessDeniedError(`${what} needs the ${permission} permission`);
  }

  /** A group by id or name. */
  async function find(ref: string): Promise<GroupRow> {
    const row = /^[0-9a-f-]{36}$/i.test(ref) ? await identityStore.groupById(db, ref) : await identityStore.groupByName(db, ref);
    if (!row) throw new NotFoundError(`No group "${ref}"`);
    return row;
  }

  async function user(id: string) {
    const row = await identityStore.userById(db, id);
    if (!row) throw new NotFoundError(`No user ${id}`);
    return row;
  }

  /** Runs a change and its audit record in one transaction. */
  function audited<T>(principal: Principal, change: (tx: Executor) => Promise<T>, event: (result: T) => AuditEvent): Promise<T> {
    return db.transaction(async (tx) => {
      const result = await change(tx);
      await audit.appendInTx(tx, [{ actor: principal, event: event(result) }]);
      return result;
    });
  }

  function permissionOf(value: unknown): Permission {
    if (!isPermission(value)) throw ValidationError.field('permission', `Permission must be one of: ${permissions.join(', ')}`);
    return value;
  }

  return {
    find: async (ref: string): Promise<Group> => groupOf(await find(ref)),

    async create(principal: Principal, input: { name: unknown; description?: unknown }): Promise<Group> {
      await require(principal, 'GROUP_ADMIN', 'Creating groups');
      const name = parseField(groupNameSchema, input.name, 'name');
      const description = parseField(groupDescriptionSchema, input.description ?? '', 'description');
      try {
        return await audited(principal, async (tx) => groupOf(await identityStore.insertGroup(tx, { name, description })), (g) => ({ action: 'group.created', target: { id: g.id, name: g.name }, details: { builtIn: false } }));
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation) throw new ConflictError(`A group named "${name}" already exists`, 'name');
        throw error;
      }
    },

    async delete(principal: Principal, ref: string): Promise<void> {
      await require(principal, 'GROUP_ADMIN', 'Deleting groups');
      const group = await find(ref);
      if (group.builtIn) throw new ConflictError(`The built-in group "${group.name}" cannot be deleted`);
      await audited(principal, (tx) => identityStore.deleteGroup(tx, group.id), () => ({ action: 'group.deleted', target: { id: group.id, name: group.name }, details: { builtIn: false } }));
    },

    async list(_principal: Principal): Promise<Group[]> {
      return (await identityStore.listGroups(db)).map(groupOf);
    },

    async members(principal: Principal, ref: string): Promise<User[]> {
      await require(principal, 'GROUP_ADMIN', 'Listing members');
      return (await identityStore.membersOf(db, (await find(ref)).id)).map(userOf);
    },

    async addMember(principal: Principal, ref: string, userId: string): Promise<void> {
      await require(principal, 'GROUP_ADMIN', 'Changing memberships');
      const [member, group] = [await user(userId), await find(ref)];
      await audited(principal, (tx) => identityStore.addMember(tx, member.id, group.id), () => ({ action: 'membership.added', target: { id: group.id, name: group.name }, details: { userId: member.id } }));
    },

    async removeMember(principal: Principal, ref: string, userId: string): Promise<void> {
      await require(principal, 'GROUP_ADMIN', 'Changing memberships');
      const group = await find(ref);
      await audited(
        principal,
        async (tx) => {
          if (!(await identityStore.removeMember(tx, userId, group.id))) throw new NotFoundError(`User ${userId} is not a member of "${ref}"`);
        },
        () => ({ action: 'membership.removed', target: { id: group.id, name: group.name }, details: { userId } }),
      );
    },

    async grant(principal: Principal, holder: PermissionHolder, permission: unknown): Promise<void> {
      const p = permissionOf(permission);
      await require(principal, 'userId' in holder ? 'USER_ADMIN' : 'GROUP_ADMIN', `Granting permissions to ${'userId' in holder ? 'users' : 'groups'}`);
      const target = 'userId' in holder ? await user(holder.userId).then((u) => ({ id: u.id, name: u.email, kind: 'user' as const })) : await find(holder.groupId).then((g) => ({ id: g.id, name: g.name, kind: 'group' as const }));
      await audited(principal, (tx) => identityStore.grant(tx, target.kind === 'user' ? { userId: target.id } : { groupId: target.id }, p), () => ({ action: 'permission.granted', target: { id: target.id, name: target.name }, details: { permission: p, holderKind: target.kind } }));
    },

    async revoke(principal: Principal, holder: PermissionHolder, permission: unknown): Promise<void> {
      const p = permissionOf(permission);
      await require(principal, 'userId' in holder ? 'USER_ADMIN' : 'GROUP_ADMIN', 'Revoking permissions');
      const target = 'userId' in holder ? await user(holder.userId).then((u) => ({ id: u.id, name: u.email, kind: 'user' as const })) : await find(holder.groupId).then((g) => ({ id: g.id, name: g.name, kind: 'group' as const }));
      await audited(
        principal,
        async (tx) => {
          if (!(await identityStore.revoke(tx, target.kind === 'user' ? { userId: target.id } : { groupId: target.id }, p))) throw new NotFoundError(`${p} is not granted there`);
        },
        () => ({ action: 'permission.revoked', target: { id: target.id, name: target.name }, details: { permission: p, holderKind: target.kind } }),
      );
    },

    async grants(_principal: Principal, holder: PermissionHolder): Promise<string[]> {
      const resolved = 'userId' in holder ? { userId: holder.userId } : { groupId: (await find(holder.groupId)).id };
      return identityStore.grantsOf(db, resolved);
    },
  };
}

export type GroupService = ReturnType<typeof groupServiceFactory>;
