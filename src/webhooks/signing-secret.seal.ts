/** An endpoint's signing secret at rest: a sealed record bound to the endpoint and the secret's generation. */
import type { KeyRing } from '../crypto/key-ring.ts';
import { openRecord, sealRecord } from '../crypto/sealed-record.ts';
import { sealedRecordTable } from '../crypto/sealed-record-table.ts';
import { webhookEndpoints } from '../db/schema/index.ts';

/** Where signing secrets are kept, for key rotation to re-wrap. */
export const signingSecretRecords = sealedRecordTable(webhookEndpoints, {
  id: webhookEndpoints.id,
  generation: webhookEndpoints.secretGeneration,
  dataKey: webhookEndpoints.dataKey,
  kekVersion: webhookEndpoints.kekVersion,
});

export interface SealedSigningSecret {
  signingSecret: Buffer;
  dataKey: Buffer;
  kekVersion: number;
}

const purpose = 'tresor/webhook-signing-secret';

export function sealSigningSecret(
  ring: KeyRing,
  endpoint: { id: string; secretGeneration: number },
  secret: string,
): SealedSigningSecret {
  const { sealed, dataKey, kekVersion } = sealRecord(
    ring,
    { id: endpoint.id, generation: endpoint.secretGeneration, purpose },
    secret,
  );
  return { signingSecret: sealed, dataKey, kekVersion };
}

export function openSigningSecret(
  ring: KeyRing,
  endpoint: { id: string; secretGeneration: number } & SealedSigningSecret,
): string {
  return openRecord(
    ring,
    { id: endpoint.id, generation: endpoint.secretGeneration, purpose },
    { sealed: endpoint.signingSecret, dataKey: endpoint.dataKey, kekVersion: endpoint.kekVersion },
  );
}
