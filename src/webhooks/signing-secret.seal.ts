/**
 * An endpoint's signing secret at rest: sealed like a secret's payload (its own data key,
 * wrapped by the key ring), bound to the endpoint and the secret's generation, so a sealed
 * secret copied onto another endpoint, or an old one put back, fails to open.
 */
import { openPayload, sealPayload } from '../crypto/envelope.ts';
import type { KeyRing } from '../crypto/key-ring.ts';

export interface SealedSigningSecret {
  signingSecret: Buffer;
  dataKey: Buffer;
  kekVersion: number;
}

const contextOf = (endpoint: { id: string; secretGeneration: number }) => ({
  secretId: endpoint.id,
  version: endpoint.secretGeneration,
  typeId: 'tresor/webhook-signing-secret',
});

export function sealSigningSecret(
  ring: KeyRing,
  endpoint: { id: string; secretGeneration: number },
  secret: string,
): SealedSigningSecret {
  const sealed = sealPayload(ring, Buffer.from(secret, 'utf8'), contextOf(endpoint));
  return { signingSecret: sealed.payload, dataKey: sealed.dataKey, kekVersion: sealed.kekVersion };
}

export function openSigningSecret(
  ring: KeyRing,
  endpoint: { id: string; secretGeneration: number } & SealedSigningSecret,
): string {
  const opened = openPayload(
    ring,
    { payload: endpoint.signingSecret, dataKey: endpoint.dataKey, kekVersion: endpoint.kekVersion },
    contextOf(endpoint),
  );
  return opened.toString('utf8');
}
