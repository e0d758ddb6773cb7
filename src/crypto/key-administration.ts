/** Key status and rotation through the gate: KEY_ADMIN, or Tresor itself. */
import type { AccessGate } from '../access/access.gate.ts';
import type { Principal } from '../identity/principal.ts';
import type { KeyService } from './key.service.ts';

export interface KeyAdministration {
  status(principal: Principal): ReturnType<KeyService['status']>;
  rotate(principal: Principal, options?: Parameters<KeyService['rotate']>[0]): ReturnType<KeyService['rotate']>;
}

export function keyAdministrationFactory({
  gate,
  keys,
}: {
  gate: Pick<AccessGate, 'require' | 'stepUp'>;
  keys: Pick<KeyService, 'status' | 'rotate'>;
}): KeyAdministration {
  return {
    async status(principal) {
      await gate.require(principal, 'KEY_ADMIN', 'Reading key status', { mode: 'read' });
      return keys.status();
    },
    async rotate(principal, options) {
      await gate.require(principal, 'KEY_ADMIN', 'Rotating keys');
      await gate.stepUp(principal, 'Rotating the key');
      return keys.rotate(options);
    },
  };
}
