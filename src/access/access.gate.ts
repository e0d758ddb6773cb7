/**
 * The access gate: the one service that decides who may do what. Built once in the
 * composition root and handed to every other service (with `Pick<>`), it is the only place that
 * - resolves a principal's facts (cached, dropped when a change is announced: `gate-core.ts`);
 * - decides every secret operation and alone opens payloads (`secret.gate.ts`);
 * - checks administration permissions, the admin rules of `admin.policy.ts`, token scopes and
 *   mint limits (`admin.gate.ts`).
 * Every refusal is audited the same way (`access.denied`, naming the operation).
 */
import type { Principal } from '../identity/principal.ts';
import { adminGate } from './admin.gate.ts';
import { type GateCoreDeps, gateCore } from './gate-core.ts';
import type { PayloadReader } from './payload.reader.ts';
import { secretGate } from './secret.gate.ts';
import { spaceGate } from './space.gate.ts';
import { stepUpGate } from './step-up.gate.ts';

export type { PrincipalFacts } from './principal-facts.ts';
export type { Listing, SecretGrant } from './secret.gate.ts';
export type { SecretOperation, SecretRelation } from './secret.policy.ts';

export interface AccessGateDeps extends GateCoreDeps {
  payloads: PayloadReader;
}

export function accessGateFactory({ payloads, ...deps }: AccessGateDeps) {
  const core = gateCore(deps);
  return {
    /** The principal's facts (cached until a change to users, groups or permissions is announced). */
    facts: (principal: Principal) => core.factsOf(principal),
    ...secretGate(core, payloads),
    ...adminGate(core),
    ...stepUpGate(core),
    ...spaceGate(core),
  };
}

export type AccessGate = ReturnType<typeof accessGateFactory>;
