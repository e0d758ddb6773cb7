/**
 * What both halves of the access gate share: the principal's facts (cached, dropped when a
 * change is announced) and the one way a refusal is recorded and thrown.
 */
import type { AuditWriter } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { Database, Executor } from '../db/client.ts';
import { type Principal, principalKey } from '../identity/principal.ts';
import { type PrincipalFacts, resolvePrincipal } from './principal-facts.ts';

export interface GateCoreDeps {
  db: Database;
  audit: Pick<AuditWriter, 'write'>;
  cache?: ReadCache;
}

export function gateCore({ db, audit, cache }: GateCoreDeps) {
  async function factsOf(principal: Principal, tx: Executor = db): Promise<PrincipalFacts> {
    // Inside a change the facts come from the database; outside, from the node's cache.
    const load = () => resolvePrincipal(tx, principal);
    // Cached facts are shared by every request of the principal; the scope and credential of this one ride along.
    const facts = cache && tx === db ? await cache.through('principals', principalKey(principal), load) : await load();
    return facts.principal === principal ? facts : { ...facts, principal };
  }

  /** Records a refusal and throws it (outside any transaction: the row goes through group commit). */
  async function refuse(
    principal: Principal,
    operation: string,
    target: { id: string | null; name: string },
    error: Error,
  ): Promise<never> {
    await audit.write({
      actor: principal,
      outcome: 'denied',
      event: {
        action: 'access.denied',
        target: { id: target.id, name: target.name.slice(0, 200) },
        details: { operation },
      },
    });
    throw error;
  }

  return { db, audit, cache, factsOf, refuse };
}

export type GateCore = ReturnType<typeof gateCore>;
