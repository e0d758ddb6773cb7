/**
 * Groups, memberships and permission grants. Every decision is the access gate's: groups
 * and memberships need GROUP_ADMIN, granting to a user USER_ADMIN, to a group GROUP_ADMIN,
 * and nobody grants what they lack or acts on themselves (see src/access/admin.policy.ts).
 * The built-in `system` group cannot be deleted.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { AuditEvent } from '../audit/audit-events.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { type GroupRow, identityStore } from './identity.store.ts';
import { groupDescriptionSchema, groupNameSchema, signInSourceSchema } from './identity-rules.ts';
import { isPermission, type Permission, permissions } from './permissions.ts';
import type { Principal } from './principal.ts';
import { type User, userOf } from './user.service.ts';

export const systemGroupName = 'system';

export interface Group {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  /** The sign-in source whose directory owns the members (`oidc`, `ldap`, `host`); null: managed in Tresor. */
  managedBy: string | null;
}

const groupOf = (row: GroupRow): Group => ({
  id: row.id,
  name: row.name,
  description: row.description,
  builtIn: row.builtIn,
  managedBy: row.managedBy,
});

export type PermissionHolder = { userId: string } | { groupId: string };

export interface GroupServiceDeps {
  db: Database;
  gate: Pick<
    AccessGate,
    'require' | 'permissionChange' | 'membershipChange' | 'groupDeletion' | 'readUser' | 'readGroup' | 'stepUp'
  >;
  audit: Pick<AuditService, 'appendInTx'>;
}

export function groupServiceFactory({ db, gate, audit }: GroupServiceDeps) {
  /** A group by id or name. */
  async function find(ref: string): Promise<GroupRow> {
    const row = /^[0-9a-f-]{36}$/i.test(ref)
      ? await identityStore.groupById(db, ref)
      : await identityStore.groupByName(db, ref);
    if (!row) throw new NotFoundError(`No group "${ref}"`);
    return row;
  }

  async function user(id: string) {
    const row = await identityStore.userById(db, id);
    if (!row) throw new NotFoundError(`No user ${id}`);
    return row;
  }

  /** Runs a change and its audit record in one transaction. */
  function audited<T>(
    principal: Principal,
    change: (tx: Executor) => Promise<T>,
    event: (result: T) => AuditEvent,
  ): Promise<T> {
    return db.transaction(async (tx) => {
      const result = await change(tx);
      await audit.appendInTx(tx, [{ actor: principal, event: event(result) }]);
      return result;
    });
  }

  function permissionOf(value: unknown): Permission {
    if (!isPermission(value))
      throw ValidationError.field('permission', `Permission must be one of: ${permissions.join(', ')}`);
    return value;
  }

  return {
    find: async (ref: string): Promise<Group> => groupOf(await find(ref)),

    /**
     * `managedBy`: the group mirrors a sign-in source's group of that name (made ahead of the
     * first sign-in, so permissions can be granted to it): its members come from the source only.
     */
    async create(
      principal: Principal,
      input: { name: unknown; description?: unknown; managedBy?: unknown },
    ): Promise<Group> {
      await gate.require(principal, 'GROUP_ADMIN', 'Creating groups');
      const name = parseField(groupNameSchema, input.name, 'name');
      const description = parseField(groupDescriptionSchema, input.description ?? '', 'description');
      const managedBy =
        input.managedBy === undefined || input.managedBy === null || input.managedBy === ''
          ? null
          : parseField(signInSourceSchema, input.managedBy, 'managedBy');
      try {
        return await audited(
          principal,
          async (tx) => groupOf(await identityStore.insertGroup(tx, { name, description, managedBy })),
          (g) => ({ action: 'group.created', target: { id: g.id, name: g.name }, details: { builtIn: false } }),
        );
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation)
          throw new ConflictError(`A group named "${name}" already exists`, 'name');
        throw error;
      }
    },

    /** The group `delete` would delete, refused as `delete` would be: asked before a confirmation is shown. */
    async deletion(principal: Principal, ref: string): Promise<Group> {
      const group = await gate.groupDeletion(principal, ref);
      if (group.builtIn) throw new ConflictError(`The built-in group "${group.name}" cannot be deleted`);
      return groupOf(group);
    },

    async delete(principal: Principal, ref: string): Promise<void> {
      const group = await gate.groupDeletion(principal, ref);
      if (group.builtIn) throw new ConflictError(`The built-in group "${group.name}" cannot be deleted`);
      await audited(
        principal,
        (tx) => identityStore.deleteGroup(tx, group.id),
        () => ({ action: 'group.deleted', target: { id: group.id, name: group.name }, details: { builtIn: false } }),
      );
    },

    /**
     * Group names are not secret: anyone signed in may list them (to share with one). Listed
     * `for: 'admin'` — the page that creates and deletes groups — it needs GROUP_ADMIN.
     */
    async list(principal: Principal, options: { for?: 'admin' } = {}): Promise<Group[]> {
      if (options.for === 'admin') await gate.require(principal, 'GROUP_ADMIN', 'Managing groups');
      return (await identityStore.listGroups(db)).map(groupOf);
    },

    async members(principal: Principal, ref: string): Promise<User[]> {
      const group = await gate.readGroup(principal, ref);
      return (await identityStore.membersOf(db, group.id)).map(userOf);
    },

    async addMember(principal: Principal, ref: string, userId: string): Promise<void> {
      const group = await gate.membershipChange(principal, ref, userId, 'add');
      const member = await user(userId);
      await audited(
        principal,
        (tx) => identityStore.addMember(tx, member.id, group.id),
        () => ({
          action: 'membership.added',
          target: { id: group.id, name: group.name },
          details: { userId: member.id },
        }),
      );
    },

    async removeMember(principal: Principal, ref: string, userId: string): Promise<void> {
      const group = await gate.membershipChange(principal, ref, userId, 'remove');
      await audited(
        principal,
        async (tx) => {
          if (!(await identityStore.removeMember(tx, userId, group.id)))
            throw new NotFoundError(`User ${userId} is not a member of "${ref}"`);
        },
        () => ({ action: 'membership.removed', target: { id: group.id, name: group.name }, details: { userId } }),
      );
    },

    async grant(principal: Principal, holder: PermissionHolder, permission: unknown): Promise<void> {
      const p = permissionOf(permission);
      const holderRow = await gate.permissionChange(principal, holder, p, 'grant');
      await gate.stepUp(principal, 'Granting a permission');
      const target = { id: holderRow.id, name: holderRow.label, kind: holderRow.kind };
      await audited(
        principal,
        (tx) => identityStore.grant(tx, target.kind === 'user' ? { userId: target.id } : { groupId: target.id }, p),
        () => ({
          action: 'permission.granted',
          target: { id: target.id, name: target.name },
          details: { permission: p, holderKind: target.kind },
        }),
      );
    },

    async revoke(principal: Principal, holder: PermissionHolder, permission: unknown): Promise<void> {
      const p = permissionOf(permission);
      const holderRow = await gate.permissionChange(principal, holder, p, 'revoke');
      const target = { id: holderRow.id, name: holderRow.label, kind: holderRow.kind };
      await audited(
        principal,
        async (tx) => {
          if (
            !(await identityStore.revoke(
              tx,
              target.kind === 'user' ? { userId: target.id } : { groupId: target.id },
              p,
            ))
          )
            throw new NotFoundError(`${p} is not granted there`);
        },
        () => ({
          action: 'permission.revoked',
          target: { id: target.id, name: target.name },
          details: { permission: p, holderKind: target.kind },
        }),
      );
    },

    /** A holder's grants: readable by the user itself, or by an administrator. */
    async grants(principal: Principal, holder: PermissionHolder): Promise<string[]> {
      if ('userId' in holder) {
        await gate.readUser(principal, holder.userId);
        return identityStore.grantsOf(db, { userId: holder.userId });
      }
      return identityStore.grantsOf(db, { groupId: (await gate.readGroup(principal, holder.groupId)).id });
    },
  };
}

export type GroupService = ReturnType<typeof groupServiceFactory>;
