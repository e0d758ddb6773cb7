/**
 * A small secret Tresor keeps for itself (a webhook's signing secret, an OAuth2 connection's
 * tokens), sealed like a secret's payload: its own data key, wrapped by the key ring, bound
 * to what it belongs to — the row's id, its generation and its purpose — so a sealed value
 * copied onto another row, or an older one put back, fails to open. Key rotation re-wraps
 * the data key (key.store.ts).
 */
import { openPayload, sealPayload } from './envelope.ts';
import type { KeyRing } from './key-ring.ts';

export interface RecordIdentity {
  id: string;
  generation: number;
  /** What the value is, e.g. `tresor/webhook-signing-secret`: one purpose never opens as another. */
  purpose: string;
}

export interface SealedRecord {
  sealed: Buffer;
  dataKey: Buffer;
  kekVersion: number;
}

const contextOf = (identity: RecordIdentity) => ({
  secretId: identity.id,
  version: identity.generation,
  typeId: identity.purpose,
});

export function sealRecord(ring: KeyRing, identity: RecordIdentity, text: string): SealedRecord {
  const sealed = sealPayload(ring, Buffer.from(text, 'utf8'), contextOf(identity));
  return { sealed: sealed.payload, dataKey: sealed.dataKey, kekVersion: sealed.kekVersion };
}

export function openRecord(ring: KeyRing, identity: RecordIdentity, record: SealedRecord): string {
  return openPayload(
    ring,
    { payload: record.sealed, dataKey: record.dataKey, kekVersion: record.kekVersion },
    contextOf(identity),
  ).toString('utf8');
}
