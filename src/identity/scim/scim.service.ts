/**
 * SCIM 2.0 provisioning (RFC 7643/7644): the company's identity provider creates, updates and
 * deactivates users, and keeps groups and their members, ahead of any sign-in. It acts as
 * Tresor itself (the `system` principal, every change on the audit trail), within these rules:
 * - a user's `userName` is the e-mail address; users are never deleted (they own secrets and
 *   history): DELETE and `active: false` disable, which ends their sessions and tokens on
 *   every node at once;
 * - the groups it makes are managed by `scim`: their members change through SCIM only, and
 *   SCIM changes no other group's members;
 * - provisioned users have no Tresor password: they sign in by single sign-on or LDAP.
 */
import type { AuditService } from '../../audit/audit.service.ts';
import type { AuditEvent } from '../../audit/audit-events.ts';
import type { Database, Executor } from '../../db/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { externalIdentityStore } from '../external-identity.store.ts';
import type { GroupService } from '../group.service.ts';
import { identityStore, type UserRow } from '../identity.store.ts';
import { mirroredGroupName } from '../identity-link.service.ts';
import { emailSchema } from '../identity-rules.ts';
import { systemPrincipal } from '../principal.ts';
import type { UserService } from '../user.service.ts';

export const scimSource = 'scim';
type GroupRow = NonNullable<Awaited<ReturnType<typeof identityStore.groupById>>>;

export interface ScimUserInput {
  userName?: unknown;
  displayName?: unknown;
  name?: { formatted?: unknown; givenName?: unknown; familyName?: unknown };
  externalId?: unknown;
  active?: unknown;
}

/** One PATCH operation (RFC 7644 §3.5.2); `op` in any case (Entra ID sends "Replace"). */
export interface ScimOperation {
  op: string;
  path?: string;
  value?: unknown;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `active` as identity providers send it: a boolean, or "True"/"False" (Entra ID). */
function activeOf(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw ValidationError.field('active', 'active must be true or false');
}
const displayNameOf = (input: ScimUserInput): unknown =>
  input.displayName ??
  input.name?.formatted ??
  ([input.name?.givenName, input.name?.familyName].filter((p) => typeof p === 'string').join(' ') || undefined);

export function scimServiceFactory({
  db,
  audit,
  users,
  groups,
}: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx'>;
  users: Pick<UserService, 'create' | 'setDisabled'>;
  groups: Pick<GroupService, 'create'>;
}) {
  async function user(id: string): Promise<UserRow> {
    const row = uuid.test(id) ? await identityStore.userById(db, id) : undefined;
    if (!row) throw new NotFoundError(`No user ${id}`);
    return row;
  }

  async function scimGroup(id: string): Promise<GroupRow> {
    const row = uuid.test(id) ? await identityStore.groupById(db, id) : undefined;
    if (!row || row.managedBy !== scimSource) throw new NotFoundError(`No SCIM group ${id}`);
    return row;
  }

  async function setActive(row: UserRow, active: boolean): Promise<void> {
    if (row.disabled === !active) return;
    // Disabling ends sessions and tokens, and every node drops its cached ones (user.service).
    await users.setDisabled(systemPrincipal, row.id, !active);
  }

  async function linkExternalId(tx: Executor, row: UserRow, externalId: unknown): Promise<void> {
    if (typeof externalId !== 'string' || externalId === '' || externalId.length > 500) return;
    if (await externalIdentityStore.linkedUser(tx, scimSource, externalId)) return;
    await externalIdentityStore.link(tx, { source: scimSource, subject: externalId, userId: row.id, email: row.email });
  }

  /** Sets a SCIM group's members to `wanted` (user ids), recording each change. */
  async function changeMembers(group: GroupRow, add: readonly string[], remove: readonly string[]): Promise<void> {
    await db.transaction(async (tx) => {
      const events: AuditEvent[] = [];
      for (const id of add) {
        const member = uuid.test(id) ? await identityStore.userById(tx, id) : undefined;
        if (!member) throw ValidationError.field('members', `No user ${id}`);
        if (await identityStore.addMember(tx, member.id, group.id))
          events.push({
            action: 'membership.added',
            target: { id: group.id, name: group.name },
            details: { userId: id },
          });
      }
      for (const id of remove)
        if (uuid.test(id) && (await identityStore.removeMember(tx, id, group.id)))
          events.push({
            action: 'membership.removed',
            target: { id: group.id, name: group.name },
            details: { userId: id },
          });
      if (events.length > 0)
        await audit.appendInTx(
          tx,
          events.map((event) => ({ actor: systemPrincipal, event })),
        );
    });
  }

  const memberIds = (value: unknown): string[] =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((m) => {
      const id = (m as { value?: unknown } | null)?.value;
      if (typeof id !== 'string') throw ValidationError.field('members', 'Each member is { "value": "<user id>" }');
      return id;
    });

  return {
    async listUsers(filter: { userName?: string; externalId?: string }): Promise<UserRow[]> {
      if (filter.externalId !== undefined) {
        const linked = await externalIdentityStore.linkedUser(db, scimSource, filter.externalId);
        return linked ? [linked] : [];
      }
      if (filter.userName !== undefined) {
        const row = await identityStore.userByEmail(db, filter.userName.trim().toLowerCase());
        return row ? [row] : [];
      }
      return identityStore.listUsers(db);
    },

    getUser: user,

    async createUser(input: ScimUserInput): Promise<UserRow> {
      if (typeof input.userName !== 'string')
        throw ValidationError.field('userName', 'userName (the e-mail) is required');
      const created = await users.create(systemPrincipal, { email: input.userName, displayName: displayNameOf(input) });
      const row = await user(created.id);
      await db.transaction((tx) => linkExternalId(tx, row, input.externalId));
      if (input.active !== undefined && !activeOf(input.active)) await setActive(row, false);
      return user(row.id);
    },

    /** PUT: the provider's whole view of the user (name, address, active). */
    async replaceUser(id: string, input: ScimUserInput): Promise<UserRow> {
      const row = await user(id);
      const displayName = displayNameOf(input);
      if (typeof input.userName === 'string' && input.userName.trim().toLowerCase() !== row.email)
        await renameTo(row, input.userName);
      if (typeof displayName === 'string' && displayName.trim() !== '' && displayName !== row.displayName)
        await identityStore.updateUser(db, id, { displayName: displayName.trim().slice(0, 200) });
      await db.transaction((tx) => linkExternalId(tx, row, input.externalId));
      if (input.active !== undefined) await setActive(await user(id), activeOf(input.active));
      return user(id);
    },

    async patchUser(id: string, operations: readonly ScimOperation[]): Promise<UserRow> {
      for (const operation of operations) {
        const op = operation.op.toLowerCase();
        if (op !== 'replace' && op !== 'add')
          throw ValidationError.field('op', `${operation.op} is not supported on users`);
        const changes: ScimUserInput =
          operation.path === undefined
            ? (operation.value as ScimUserInput)
            : { [operation.path === 'name.formatted' ? 'displayName' : operation.path]: operation.value };
        await this.replaceUser(id, changes ?? {});
      }
      return user(id);
    },

    /** DELETE: users are never removed (their secrets and history stay): disabled instead. */
    async deactivateUser(id: string): Promise<void> {
      await setActive(await user(id), false);
    },

    async listGroups(filter: { displayName?: string }): Promise<GroupRow[]> {
      const all = (await identityStore.listGroups(db)).filter((g) => g.managedBy === scimSource);
      if (filter.displayName === undefined) return all;
      const name = mirroredGroupName(filter.displayName);
      return all.filter((g) => g.description === filter.displayName || g.name === name);
    },

    getGroup: scimGroup,

    /** The SCIM groups a user is a member of (the user resource's read-only `groups`). */
    async membershipsOf(userId: string): Promise<GroupRow[]> {
      return externalIdentityStore.managedMemberships(db, scimSource, userId);
    },

    async membersOf(group: GroupRow): Promise<UserRow[]> {
      return identityStore.membersOf(db, group.id);
    },

    async createGroup(input: { displayName?: unknown; members?: unknown }): Promise<GroupRow> {
      const displayName = typeof input.displayName === 'string' ? input.displayName.trim() : '';
      const name = mirroredGroupName(displayName);
      if (!name) throw ValidationError.field('displayName', 'displayName must name the group (letters or digits)');
      const created = await groups.create(systemPrincipal, {
        name,
        description: displayName.slice(0, 2000),
        managedBy: scimSource,
      });
      const group = await scimGroup(created.id);
      await changeMembers(group, memberIds(input.members), []);
      return group;
    },

    async replaceGroup(id: string, input: { displayName?: unknown; members?: unknown }): Promise<GroupRow> {
      const group = await scimGroup(id);
      const wanted = memberIds(input.members);
      const current = (await identityStore.membersOf(db, group.id)).map((m) => m.id);
      await changeMembers(
        group,
        wanted.filter((m) => !current.includes(m)),
        current.filter((m) => !wanted.includes(m)),
      );
      return group;
    },

    async patchGroup(id: string, operations: readonly ScimOperation[]): Promise<GroupRow> {
      const group = await scimGroup(id);
      for (const operation of operations) {
        const op = operation.op.toLowerCase();
        // members[value eq "<id>"]: remove one member by a filter in the path.
        const one = /^members\[value eq "([^"]+)"\]$/i.exec(operation.path ?? '');
        if (op === 'add' && operation.path?.toLowerCase() === 'members')
          await changeMembers(group, memberIds(operation.value), []);
        else if (op === 'remove' && one) await changeMembers(group, [], [one[1]!]);
        else if (op === 'remove' && operation.path?.toLowerCase() === 'members')
          await changeMembers(
            group,
            [],
            operation.value === undefined
              ? (await identityStore.membersOf(db, group.id)).map((m) => m.id)
              : memberIds(operation.value),
          );
        else if (op === 'replace' && operation.path?.toLowerCase() === 'members')
          await this.replaceGroup(id, { members: operation.value });
        else if (op === 'replace' && (operation.path === 'displayName' || operation.path === undefined)) {
          const value =
            operation.path === undefined
              ? (operation.value as { displayName?: unknown })?.displayName
              : operation.value;
          // The provider's name is kept as the description; the Tresor name it was made with stays.
          if (typeof value === 'string' && value.trim() !== '')
            await identityStore.updateGroupDescription(db, group.id, value.trim().slice(0, 2000));
        } else throw ValidationError.field('op', `${operation.op} ${operation.path ?? ''} is not supported on groups`);
      }
      return scimGroup(id);
    },

    async deleteGroup(id: string): Promise<void> {
      const group = await scimGroup(id);
      await db.transaction(async (tx) => {
        await identityStore.deleteGroup(tx, group.id);
        await audit.appendInTx(tx, [
          {
            actor: systemPrincipal,
            event: { action: 'group.deleted', target: { id: group.id, name: group.name }, details: { builtIn: false } },
          },
        ]);
      });
    },
  };

  async function renameTo(row: UserRow, userName: string): Promise<void> {
    const parsed = emailSchema.safeParse(userName);
    if (!parsed.success) throw ValidationError.field('userName', 'userName must be an e-mail address');
    if (await identityStore.userByEmail(db, parsed.data))
      throw new ConflictError(`${parsed.data} is taken`, 'userName');
    await identityStore.updateUser(db, row.id, { email: parsed.data });
  }
}

export type ScimService = ReturnType<typeof scimServiceFactory>;
