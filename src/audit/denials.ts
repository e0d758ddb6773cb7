/** Records refused attempts (access denied, or a secret the principal may not know of) in the audit trail. */
import type { Principal } from '../identity/principal.ts';
import type { AuditWriter } from './audit.service.ts';

/** Set on errors the access check raised, so unknown-name and not-allowed are both recorded. */
export const deniedByPolicy = Symbol('tresor.deniedByPolicy');

/** Marks an error as a refusal by the access check; `target` is the secret, when it exists (for the audit log only). */
export function markDenied<E extends Error>(error: E, target?: { id: string; name: string }): E {
  return Object.assign(error, { [deniedByPolicy]: target ?? true });
}

export async function auditingDenials<T>(
  audit: Pick<AuditWriter, 'write'>,
  principal: Principal,
  operation: string,
  ref: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error && typeof error === 'object' && deniedByPolicy in error) {
      const known = (error as { [deniedByPolicy]: { id: string; name: string } | true })[deniedByPolicy];
      const target = known === true ? { id: null, name: ref.slice(0, 200) } : known;
      await audit.write({
        event: { action: 'access.denied', target, details: { operation } },
        actor: principal,
        outcome: 'denied',
      });
    }
    throw error;
  }
}
