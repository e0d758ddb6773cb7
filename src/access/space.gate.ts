/**
 * Who may do what with a space itself (its secrets are `secret.policy.ts`'s):
 * - create a space: instance administrators (GROUP_ADMIN: the organisation's structure);
 * - see a space and who holds roles in it: anyone with a role there, and instance administrators;
 * - give and take roles: the space's admins, and instance administrators — whose giving
 *   themselves a role is joining, on the trail as such. A space admin gains no instance power.
 * A space the principal may not see reads as one that does not exist.
 */

import { AccessDeniedError, NotFoundError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { GateCore } from './gate-core.ts';
import { holds, type PrincipalFacts, type SpaceRole } from './principal-facts.ts';
import { createsIn, isManager, readOnly, rolesIn } from './secret.policy.ts';

/** A space the principal holds a role in, and what it may do there (so a page offers only that). */
export interface Workplace {
  spaceId: string;
  roles: readonly SpaceRole[];
  /** May create secrets in it. */
  creates: boolean;
  /** May give and take roles in it. */
  givesRoles: boolean;
}

export const instanceAdministers = (facts: PrincipalFacts) => facts.isSystem || holds(facts, 'GROUP_ADMIN');

/** A space's admins and KEY_ADMIN holders rotate its key (users with a full token). */
const rotatesKey = (facts: PrincipalFacts, principal: Principal, spaceId: string) =>
  facts.active &&
  principal.kind !== 'group' &&
  !readOnly(principal) &&
  (facts.isSystem || holds(facts, 'KEY_ADMIN') || rolesIn(facts, spaceId).has('admin'));

export function spaceGate({ factsOf, refuse }: GateCore) {
  async function spaceVisible(principal: Principal, space: { id: string; name: string }): Promise<PrincipalFacts> {
    const facts = await factsOf(principal);
    if (!facts.active || !(instanceAdministers(facts) || rolesIn(facts, space.id).size > 0))
      await refuse(principal, 'space-read', space, new NotFoundError(`No space "${space.name}"`));
    return facts;
  }

  /** The space's admins and whoever reads the whole trail (AUDIT_READ). */
  async function readsSpaceAudit(principal: Principal, spaceId: string): Promise<boolean> {
    const facts = await factsOf(principal);
    return facts.active && (holds(facts, 'AUDIT_READ') || rolesIn(facts, spaceId).has('admin'));
  }

  /** A change to the space's settings: its admins and instance administrators, with a full token. */
  async function administering(
    principal: Principal,
    space: { id: string; name: string },
    what: string,
    message: string,
  ): Promise<PrincipalFacts> {
    const facts = await spaceVisible(principal, space);
    if (readOnly(principal))
      await refuse(principal, what, space, new AccessDeniedError('A read-only token changes nothing'));
    if (!instanceAdministers(facts) && !rolesIn(facts, space.id).has('admin'))
      await refuse(principal, what, space, new AccessDeniedError(message));
    return facts;
  }

  return {
    /** Whether the principal sees the space (holds a role there, or administers the instance). */
    async seesSpace(principal: Principal, spaceId: string): Promise<boolean> {
      const facts = await factsOf(principal);
      return facts.active && (instanceAdministers(facts) || rolesIn(facts, spaceId).size > 0);
    },

    /** The spaces the principal holds a role in (a user: the default one too), with its powers there. */
    async workplaces(principal: Principal): Promise<Workplace[]> {
      const facts = await factsOf(principal);
      if (!facts.active) return [];
      const writes = !readOnly(principal);
      // The create rule of secret.gate.ts, asked per space: the instance permission and a role that creates.
      const creator = writes && principal.kind === 'user' && holds(facts, 'SECRET_MANAGEMENT_CREATE');
      return [...facts.spaceRoles].map(([spaceId, roles]) => ({
        spaceId,
        roles: [...roles],
        creates: creator && createsIn(facts, spaceId),
        givesRoles: writes && (instanceAdministers(facts) || roles.has('admin')),
      }));
    },

    /** Whether the principal may create global secrets (asked, not attempted: the rule of secret.gate.ts `create`). */
    async createsGlobal(principal: Principal): Promise<boolean> {
      const facts = await factsOf(principal);
      return (
        facts.active &&
        principal.kind === 'user' &&
        !readOnly(principal) &&
        holds(facts, 'SECRET_MANAGEMENT_CREATE') &&
        isManager(facts)
      );
    },

    /** Whether the principal may give and take roles in the space (asked, not attempted: nothing is audited). */
    async givesRoles(principal: Principal, spaceId: string): Promise<boolean> {
      const facts = await factsOf(principal);
      return (
        facts.active && !readOnly(principal) && (instanceAdministers(facts) || rolesIn(facts, spaceId).has('admin'))
      );
    },

    /** Whether the principal may create spaces (asked, not attempted). */
    async createsSpaces(principal: Principal): Promise<boolean> {
      const facts = await factsOf(principal);
      return principal.kind === 'user' && facts.active && instanceAdministers(facts) && !readOnly(principal);
    },

    /** Refuses (audited, as not found) a principal that may not see the space. */
    spaceVisible,

    /** Refuses (audited) a principal that may not give or take roles in the space. */
    spaceRoles: (principal: Principal, space: { id: string; name: string }): Promise<PrincipalFacts> =>
      administering(principal, space, 'space-roles', `Giving roles in space "${space.name}" needs its admin role`),

    /** Refuses (audited) a principal that may not declare or remove the space's environments: the same as roles. */
    spaceEnvironments: (principal: Principal, space: { id: string; name: string }): Promise<PrincipalFacts> =>
      administering(
        principal,
        space,
        'space-environments',
        `Changing the environments of space "${space.name}" needs its admin role`,
      ),

    /** Whether the principal may read the space's audit log (asked, not attempted). */
    readsSpaceAudit,

    /**
     * Refuses (audited) a principal that may not read the space's audit log: its admins, and
     * whoever reads the whole trail (AUDIT_READ). Others with a role are denied; the rest learn nothing.
     */
    async spaceAudit(principal: Principal, space: { id: string; name: string }): Promise<void> {
      if (await readsSpaceAudit(principal, space.id)) return;
      await spaceVisible(principal, space);
      await refuse(
        principal,
        'space-audit',
        space,
        new AccessDeniedError(`Reading the audit log of space "${space.name}" needs its admin role`),
      );
    },

    /**
     * Which webhook endpoints the principal administers: every one (WEBHOOK_ADMIN), or those of
     * the spaces it is admin of. Neither: refused (audited) as WEBHOOK_ADMIN always was.
     */
    async webhookScope(
      principal: Principal,
      what: string,
      mode: 'read' | 'change',
    ): Promise<{ all: true } | { all: false; spaceIds: ReadonlySet<string> }> {
      const facts = await factsOf(principal);
      const administered = new Set(
        [...facts.spaceRoles].filter(([, roles]) => roles.has('admin')).map(([spaceId]) => spaceId),
      );
      const instanceWide = principal.kind !== 'group' && holds(facts, 'WEBHOOK_ADMIN');
      const refusal = (message: string) =>
        refuse(principal, 'WEBHOOK_ADMIN', { id: null, name: what }, new AccessDeniedError(message));
      if (!facts.active || principal.kind === 'group' || (!instanceWide && administered.size === 0))
        await refusal(`${what} needs the WEBHOOK_ADMIN permission or a space's admin role`);
      if (mode === 'change' && readOnly(principal)) await refusal(`${what} needs a full token: this one is read-only`);
      return instanceWide ? { all: true } : { all: false, spaceIds: administered };
    },

    /** Refuses (audited) a principal that may not delete the space: instance administrators only, never the default. */
    async spaceDeletion(principal: Principal, space: { id: string; name: string }): Promise<void> {
      const facts = await spaceVisible(principal, space);
      if (principal.kind === 'group' || !instanceAdministers(facts) || readOnly(principal))
        await refuse(
          principal,
          'space-delete',
          space,
          new AccessDeniedError('Deleting a space needs the GROUP_ADMIN permission (and a full token)'),
        );
    },

    /** Whether the principal may rotate the space's key (asked, not attempted). */
    async rotatesSpaceKey(principal: Principal, spaceId: string): Promise<boolean> {
      return rotatesKey(await factsOf(principal), principal, spaceId);
    },

    /**
     * Refuses (audited) a principal that may not rotate the space's key: its admins, and whoever
     * rotates the master key (KEY_ADMIN) — who need not hold a role in the space to keep it sealed.
     */
    async spaceKeyRotation(principal: Principal, space: { id: string; name: string }): Promise<void> {
      const facts = await factsOf(principal);
      if (rotatesKey(facts, principal, space.id)) return;
      await spaceVisible(principal, space);
      await refuse(
        principal,
        'space-key',
        space,
        new AccessDeniedError(`Rotating the key of space "${space.name}" needs its admin role or KEY_ADMIN`),
      );
    },

    /** Refuses (audited) a principal that may not create spaces. */
    async spaceCreation(principal: Principal, name: string): Promise<void> {
      const facts = await factsOf(principal);
      if (principal.kind === 'group' || !facts.active || !instanceAdministers(facts) || readOnly(principal))
        await refuse(
          principal,
          'space-create',
          { id: null, name },
          new AccessDeniedError('Creating spaces needs the GROUP_ADMIN permission'),
        );
    },
  };
}
