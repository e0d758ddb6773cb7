/**
 * Spaces: many teams on one Tresor. Every secret is in one space, names are unique per space
 * and a reference `space/name` finds it (a bare name: the default space). Roles in a space —
 * admin, manager, member, viewer — are given to users and to groups (a directory's or a host
 * app's too). What each role may do with the space's secrets is `access/secret.policy.ts`'s;
 * who may see and change the space itself is `access/space.gate.ts`'s. Every change is audited.
 */

import type { AccessGate } from '../access/access.gate.ts';
import { type SpaceRole, spaceRoleNames } from '../access/principal-facts.ts';
import { instanceAdministers } from '../access/space.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { auditStore } from '../audit/audit.store.ts';
import type { AuditEvent } from '../audit/audit-events.ts';
import { entryOf } from '../audit/audit-log.service.ts';
import { type NamedAuditEntry, namedEntries } from '../audit/audit-names.ts';
import { announce } from '../cluster/change-bus.ts';
import { spaceKeyStore } from '../crypto/space-key.store.ts';
import type { SpaceKeys } from '../crypto/space-keys.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { identityStore } from '../identity/identity.store.ts';
import type { Principal } from '../identity/principal.ts';
import { defaultSpaceName, descriptionSchema, spaceNameSchema } from '../secrets/secret-rules.ts';
import { parseField } from '../validation.ts';
import { type SpaceRow, spaceStore } from './space.store.ts';
import { spaceNamesFactory } from './space-names.ts';

export interface Space {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
}

/** A space the principal works in: its roles there and what it may do (the gate's answer). */
export interface Workplace {
  id: string;
  name: string;
  roles: readonly SpaceRole[];
  creates: boolean;
  givesRoles: boolean;
}

export interface SpaceRoleHolder {
  role: SpaceRole;
  kind: 'user' | 'group';
  id: string;
  /** The user's e-mail address or the group's name. */
  name: string;
}

/** Who receives a role: a user (by e-mail or id) or a group (by name or id). */
export type RoleHolderRef = { user: string } | { group: string };

const spaceOf = (row: SpaceRow): Space => ({
  id: row.id,
  name: row.name,
  description: row.description,
  createdAt: row.createdAt,
});

function roleOf(value: unknown): SpaceRole {
  if (typeof value === 'string' && (spaceRoleNames as readonly string[]).includes(value)) return value as SpaceRole;
  throw ValidationError.field('role', `Role must be one of: ${spaceRoleNames.join(', ')}`);
}

export function spaceServiceFactory({
  db,
  gate,
  audit,
  spaceKeys,
}: {
  db: Database;
  /** A space gets its own key in the transaction that creates it. */
  spaceKeys: Pick<SpaceKeys, 'create'>;
  gate: Pick<
    AccessGate,
    | 'facts'
    | 'seesSpace'
    | 'spaceVisible'
    | 'spaceRoles'
    | 'spaceCreation'
    | 'workplaces'
    | 'givesRoles'
    | 'createsSpaces'
    | 'createsGlobal'
    | 'spaceAudit'
    | 'readsSpaceAudit'
    | 'spaceDeletion'
    | 'requireChange'
  >;
  audit: Pick<AuditService, 'appendInTx'>;
}) {
  /** A change and its audit row, in one transaction (the row also tells every node to drop its facts). */
  const audited = (principal: Principal, change: (tx: Executor) => Promise<void>, event: AuditEvent) =>
    db.transaction(async (tx) => {
      await change(tx);
      await audit.appendInTx(tx, [{ actor: principal, event }]);
    });

  /** The space `ref` names, if the principal may see it; not found otherwise (the same for both). */
  async function visible(principal: Principal, ref: string): Promise<SpaceRow> {
    const row = await spaceStore.byName(db, ref);
    if (!row) throw new NotFoundError(`No space "${ref}"`);
    await gate.spaceVisible(principal, row);
    return row;
  }

  async function holderOf(ref: RoleHolderRef): Promise<{ kind: 'user' | 'group'; id: string; name: string }> {
    if ('user' in ref) {
      const user = /^[0-9a-f-]{36}$/i.test(ref.user)
        ? await identityStore.userById(db, ref.user)
        : await identityStore.userByEmail(db, ref.user.trim().toLowerCase());
      if (!user) throw ValidationError.field('user', `No user ${ref.user}`);
      return { kind: 'user', id: user.id, name: user.email };
    }
    const group = /^[0-9a-f-]{36}$/i.test(ref.group)
      ? await identityStore.groupById(db, ref.group)
      : await identityStore.groupByName(db, ref.group);
    if (!group) throw ValidationError.field('group', `No group ${ref.group}`);
    return { kind: 'group', id: group.id, name: group.name };
  }

  const key = (holder: { kind: 'user' | 'group'; id: string }) =>
    holder.kind === 'user' ? { userId: holder.id } : { groupId: holder.id };

  const names = spaceNamesFactory(db);

  return {
    /** Space names by id (names never change: each is read once per node). */
    names,

    /** The spaces the principal holds a role in, by name, with what it may do in each. */
    async workplaces(principal: Principal): Promise<Workplace[]> {
      const places = await gate.workplaces(principal);
      const named = await names.of(places.map((p) => p.spaceId));
      return places
        .filter((p) => named.has(p.spaceId))
        .map(({ spaceId, ...p }) => ({ id: spaceId, name: named.get(spaceId)!, ...p }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    /** Whether the installation has more than its default space (a one-space installation shows no spaces). */
    several: () => spaceStore.several(db),

    /** Whether the principal may give roles in the space / create spaces (for offering only that). */
    givesRoles: (principal: Principal, spaceId: string) => gate.givesRoles(principal, spaceId),
    createsSpaces: (principal: Principal) => gate.createsSpaces(principal),
    createsGlobal: (principal: Principal) => gate.createsGlobal(principal),
    readsAudit: (principal: Principal, spaceId: string) => gate.readsSpaceAudit(principal, spaceId),

    /** The spaces the principal sees: those it holds a role in (the default one for every user), or all of them. */
    async list(principal: Principal): Promise<Space[]> {
      const rows = await spaceStore.list(db);
      const shown: Space[] = [];
      for (const row of rows) if (await gate.seesSpace(principal, row.id)) shown.push(spaceOf(row));
      return shown;
    },

    async get(principal: Principal, ref: string): Promise<Space> {
      return spaceOf(await visible(principal, ref));
    },

    async create(principal: Principal, input: { name?: unknown; description?: unknown }): Promise<Space> {
      await gate.spaceCreation(principal, typeof input.name === 'string' ? input.name : '');
      const name = parseField(spaceNameSchema, input.name, 'name');
      const description = parseField(descriptionSchema, input.description ?? '', 'description');
      try {
        const row = await db.transaction(async (tx) => {
          const created = await spaceStore.insert(tx, { name, description });
          await spaceKeys.create(tx, created.id);
          await audit.appendInTx(tx, [
            {
              actor: principal,
              event: { action: 'space.created', target: { id: created.id, name: created.name }, details: {} },
            },
          ]);
          return created;
        });
        return spaceOf(row);
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation) throw new ConflictError(`A space named "${name}" exists`, 'name');
        throw error;
      }
    },

    /**
     * A page of the space's audit log, newest first: the space's own changes, what was done with
     * its secrets (those deleted too), refusals included. For its admins and AUDIT_READ holders.
     */
    async audit(
      principal: Principal,
      ref: string,
      page: { limit?: number; before?: number } = {},
    ): Promise<{ entries: NamedAuditEntry[]; older: boolean }> {
      const row = await spaceStore.byName(db, ref);
      if (!row) throw new NotFoundError(`No space "${ref}"`);
      await gate.spaceAudit(principal, row);
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
      const filter = { spaceId: row.id, ...(page.before ? { before: page.before } : {}) };
      const rows = await auditStore.query(db, { ...filter, limit });
      const older =
        rows.length > 0 && (await auditStore.hasRowBeyond(db, { spaceId: row.id }, 'older', rows.at(-1)!.id));
      return { entries: await namedEntries(db, rows.map(entryOf)), older };
    },

    /**
     * Deletes a space with every secret in it (their versions, shares and history rows stay on the
     * trail), its roles, its webhook endpoints and its keys: instance administrators only, never the default
     * space. Refused (409, `force`) while configurations in other spaces name one of its secrets.
     */
    async delete(principal: Principal, ref: string, options: { force?: boolean } = {}): Promise<{ secrets: number }> {
      const row = await spaceStore.byName(db, ref);
      if (!row) throw new NotFoundError(`No space "${ref}"`);
      await gate.spaceDeletion(principal, row);
      if (row.id === defaultSpaceId) throw new ConflictError('The default space stays: it holds every bare name');
      return db.transaction(async (tx) => {
        const named = await spaceStore.namedFromOutside(tx, row.id);
        if (named > 0 && !options.force)
          throw new ConflictError(
            `${named} configuration${named === 1 ? '' : 's'} in other spaces name secrets of "${row.name}"; ` +
              'confirm (force) to delete it anyway',
            'force',
          );
        // Its keys go with it (crypto-shredding): whatever copy of its values remains cannot be opened.
        const keysDestroyed = await spaceKeyStore.count(tx, row.id);
        const count = await spaceStore.deleteWithSecrets(tx, row.id);
        await audit.appendInTx(tx, [
          {
            actor: principal,
            event: {
              action: 'space.deleted',
              target: { id: row.id, name: row.name },
              details: { secrets: count, force: options.force === true, keysDestroyed },
            },
          },
        ]);
        // Its secrets, lists and roles went with it: every node drops everything it cached.
        await announce(tx, { scope: 'all' });
        return { secrets: count };
      });
    },

    /** The space the user chose as their own default (null: the installation's, `default`). */
    async defaultSpace(principal: Principal): Promise<string | null> {
      return (await gate.facts(principal)).homeSpace ?? null;
    },

    /**
     * Chooses the user's own default space — where the bare names they give resolve first, and where what they
     * create goes when they name no space — among those they hold a role in; null (or `default`): the
     * installation's again. On record; every node hears of it (the user's facts carry it).
     */
    async setDefaultSpace(principal: Principal, ref: string | null): Promise<string | null> {
      if (principal.kind !== 'user') throw ValidationError.field('space', 'Only a user has a default space');
      await gate.requireChange(principal, 'Choosing your default space');
      const row =
        ref === null || ref === '' || ref.toLowerCase() === defaultSpaceName ? null : await visible(principal, ref);
      const user = await identityStore.userById(db, principal.id);
      await audited(principal, (tx) => spaceStore.setDefaultSpace(tx, principal.id, row?.id ?? null), {
        action: 'user.default_space_set',
        target: { id: principal.id, name: user?.email ?? principal.id },
        details: { space: row?.name ?? null },
      });
      return row?.name ?? null;
    },

    /** Who holds which role in the space (for its members and instance administrators). */
    async roles(principal: Principal, ref: string): Promise<SpaceRoleHolder[]> {
      const row = await visible(principal, ref);
      return (await spaceStore.roles(db, row.id)).map((r) => ({
        role: roleOf(r.role),
        kind: r.userId ? 'user' : 'group',
        id: (r.userId ?? r.groupId)!,
        name: r.holder,
      }));
    },

    /** Gives a user or group a role in the space (replacing the one it held). */
    async setRole(principal: Principal, ref: string, holderRef: RoleHolderRef, role: unknown): Promise<void> {
      const row = await visible(principal, ref);
      const facts = await gate.spaceRoles(principal, row);
      const given = roleOf(role);
      const holder = await holderOf(holderRef);
      // An instance administrator who gives itself a role in a space it was not in joins it: on record as such.
      const joined =
        holder.kind === 'user' && holder.id === facts.userId && instanceAdministers(facts) && !facts.isSystem;
      await audited(principal, (tx) => spaceStore.setRole(tx, row.id, key(holder), given), {
        action: 'space.role_set',
        target: { id: row.id, name: row.name },
        details: {
          holderKind: holder.kind,
          holderId: holder.id,
          holder: holder.name,
          role: given,
          ...(joined ? { joined } : {}),
        },
      });
    },

    async removeRole(principal: Principal, ref: string, holderRef: RoleHolderRef): Promise<void> {
      const row = await visible(principal, ref);
      await gate.spaceRoles(principal, row);
      const holder = await holderOf(holderRef);
      await audited(
        principal,
        async (tx) => {
          if (!(await spaceStore.removeRole(tx, row.id, key(holder))))
            throw new NotFoundError(`${holder.name} holds no role in space "${row.name}"`);
        },
        {
          action: 'space.role_removed',
          target: { id: row.id, name: row.name },
          details: { holderKind: holder.kind, holderId: holder.id, holder: holder.name },
        },
      );
    },
  };
}

export type SpaceService = ReturnType<typeof spaceServiceFactory>;
