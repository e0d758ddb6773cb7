/**
 * Step-up, as GitHub's sudo mode and Vault's MFA have it: a sensitive action (granting a
 * permission, exporting secrets, rotating the key, minting a full API token) taken from a
 * web session of a user with a second factor wants that factor proven within the last five
 * minutes — a stolen session cookie alone cannot widen anyone's access or carry secrets out.
 * API tokens are not asked: minting one already took the second factor (its session's, or
 * POST /auth/token's code).
 */
import { TresorError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { secondFactorStore } from '../identity/second-factor/second-factor.store.ts';
import type { GateCore } from './gate-core.ts';

/** How long a proven second factor covers sensitive actions. */
export const stepUpMs = 5 * 60_000;

export function stepUpGate(core: GateCore) {
  async function needed(principal: Principal): Promise<boolean> {
    if (principal.kind !== 'user' || principal.via !== 'session') return false;
    if ((principal.credential?.factorAt?.getTime() ?? 0) > Date.now() - stepUpMs) return false;
    return secondFactorStore.hasAny(core.db, principal.id);
  }

  return {
    /** Whether `principal` must confirm its second factor before a sensitive action (pages ask first). */
    stepUpNeeded: needed,

    /** Refuses (audited) a sensitive action whose session has not proven its second factor lately. */
    async stepUp(principal: Principal, what: string): Promise<void> {
      if (!(await needed(principal))) return;
      await core.refuse(
        principal,
        'step-up',
        { id: principal.kind === 'user' ? principal.id : null, name: what },
        new TresorError(
          'STEP_UP_REQUIRED',
          `${what} asks for your second factor again: confirm a current code at /account/confirm ` +
            '(it covers the next 5 minutes)',
        ),
      );
    },
  };
}
