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
import { holds, type PrincipalFacts } from './principal-facts.ts';
import { readOnly, rolesIn } from './secret.policy.ts';

export const instanceAdministers = (facts: PrincipalFacts) => facts.isSystem || holds(facts, 'GROUP_ADMIN');

export function spaceGate({ factsOf, refuse }: GateCore) {
  async function spaceVisible(principal: Principal, space: { id: string; name: string }): Promise<PrincipalFacts> {
    const facts = await factsOf(principal);
    if (!facts.active || !(instanceAdministers(facts) || rolesIn(facts, space.id).size > 0))
      await refuse(principal, 'space-read', space, new NotFoundError(`No space "${space.name}"`));
    return facts;
  }

  return {
    /** Whether the principal sees the space (holds a role there, or administers the instance). */
    async seesSpace(principal: Principal, spaceId: string): Promise<boolean> {
      const facts = await factsOf(principal);
      return facts.active && (instanceAdministers(facts) || rolesIn(facts, spaceId).size > 0);
    },

    /** Refuses (audited, as not found) a principal that may not see the space. */
    spaceVisible,

    /** Refuses (audited) a principal that may not give or take roles in the space. */
    async spaceRoles(principal: Principal, space: { id: string; name: string }): Promise<PrincipalFacts> {
      const facts = await spaceVisible(principal, space);
      if (readOnly(principal))
        await refuse(principal, 'space-roles', space, new AccessDeniedError('A read-only token changes nothing'));
      if (!instanceAdministers(facts) && !rolesIn(facts, space.id).has('admin'))
        await refuse(
          principal,
          'space-roles',
          space,
          new AccessDeniedError(`Giving roles in space "${space.name}" needs its admin role`),
        );
      return facts;
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
