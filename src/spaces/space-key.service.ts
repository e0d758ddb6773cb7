/**
 * A space's own key, as its people see it: its versions and how many values each seals, and
 * rotation — by the space's admins or KEY_ADMIN holders (the gate's `spaceKeyRotation`),
 * audited on the space's trail. The cryptography is `crypto/space-keys.ts`'s.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { SpaceKeyStatus, SpaceKeys, SpaceRotation } from '../crypto/space-keys.ts';
import type { Database } from '../db/client.ts';
import { NotFoundError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { type SpaceRow, spaceStore } from './space.store.ts';

export function spaceKeyServiceFactory({
  db,
  gate,
  audit,
  spaceKeys,
}: {
  db: Database;
  gate: Pick<AccessGate, 'spaceVisible' | 'spaceKeyRotation' | 'rotatesSpaceKey'>;
  audit: Pick<AuditService, 'write'>;
  spaceKeys: Pick<SpaceKeys, 'status' | 'rotate'>;
}) {
  async function named(ref: string): Promise<SpaceRow> {
    const row = await spaceStore.byName(db, ref);
    if (!row) throw new NotFoundError(`No space "${ref}"`);
    return row;
  }

  return {
    /** Whether the principal may rotate the space's key (so a page offers only that). */
    rotatesKey: (principal: Principal, spaceId: string) => gate.rotatesSpaceKey(principal, spaceId),

    /** The space's key versions (never a key): for whoever sees the space, and whoever may rotate it. */
    async keyStatus(principal: Principal, ref: string): Promise<SpaceKeyStatus> {
      const row = await named(ref);
      if (!(await gate.rotatesSpaceKey(principal, row.id))) await gate.spaceVisible(principal, row);
      return spaceKeys.status(row.id);
    },

    /**
     * Rotates the space's key (or resumes a rotation that was interrupted), audited with what it
     * moved. Values stay usable throughout: each batch commits on its own, old versions go last.
     */
    async rotateKey(
      principal: Principal,
      ref: string,
      options: { batchSize?: number; onProgress?: (rewrapped: number, target: number) => unknown } = {},
    ): Promise<SpaceRotation> {
      const row = await named(ref);
      await gate.spaceKeyRotation(principal, row);
      const rotation = await spaceKeys.rotate(row.id, options);
      await audit.write({
        actor: principal,
        event: { action: 'space.key_rotated', target: { id: row.id, name: row.name }, details: rotation },
      });
      return rotation;
    },
  };
}

export type SpaceKeyService = ReturnType<typeof spaceKeyServiceFactory>;
