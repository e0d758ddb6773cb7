/** A TOTP seed at rest: a sealed record bound to its user and enrolment, re-wrapped by key rotation. */
import type { KeyRing } from '../../crypto/key-ring.ts';
import { openRecord, type SealedRecord, sealRecord } from '../../crypto/sealed-record.ts';
import { sealedRecordTable } from '../../crypto/sealed-record-table.ts';
import { totpFactors } from '../../db/schema/index.ts';

export const totpSeedRecords = sealedRecordTable(totpFactors, {
  id: totpFactors.userId,
  generation: totpFactors.generation,
  dataKey: totpFactors.dataKey,
  kekVersion: totpFactors.kekVersion,
});

const purpose = 'tresor/totp-seed';

export function sealSeed(ring: KeyRing, factor: { userId: string; generation: number }, base32: string) {
  const { sealed, dataKey, kekVersion } = sealRecord(
    ring,
    { id: factor.userId, generation: factor.generation, purpose },
    base32,
  );
  return { seed: sealed, dataKey, kekVersion };
}

export function openSeed(
  ring: KeyRing,
  factor: { userId: string; generation: number; seed: Buffer; dataKey: Buffer; kekVersion: number },
): string {
  const record: SealedRecord = { sealed: factor.seed, dataKey: factor.dataKey, kekVersion: factor.kekVersion };
  return openRecord(ring, { id: factor.userId, generation: factor.generation, purpose }, record);
}
