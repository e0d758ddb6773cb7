/**
 * Envelope encryption of secret payloads. Each version gets a fresh 256-bit data key; the
 * payload is sealed with it, and it is wrapped with the current key-encryption key. Both
 * seals carry associated data naming the secret, the version (and type, or KEK version),
 * so a row copied onto another secret or version fails to open.
 */
import { randomBytes } from 'node:crypto';
import { open, seal } from './aead.ts';
import type { KeyRing } from './key-ring.ts';

/** What a wrapped data key is bound to. */
export interface KeyContext {
  secretId: string;
  version: number;
  /**
   * The environment of the value ('' or absent: the secret's own). Named in the seals of the others
   * only, so values sealed before environments existed open as they did, and a row moved to another
   * environment (whose version numbers repeat) fails to open.
   */
  environment?: string;
}

/** What a sealed payload is bound to. */
export interface SealContext extends KeyContext {
  typeId: string;
}

export interface WrappedKey {
  dataKey: Buffer;
  kekVersion: number;
}

export interface SealedPayload extends WrappedKey {
  payload: Buffer;
}

const inEnvironment = (c: KeyContext) => (c.environment ? `\0environment\0${c.environment}` : '');
const payloadAad = (c: SealContext) =>
  Buffer.from(`tresor/payload/v1\0${c.secretId}\0${c.version}\0${c.typeId}${inEnvironment(c)}`);
const dataKeyAad = (c: KeyContext, kekVersion: number) =>
  Buffer.from(`tresor/data-key/v1\0${c.secretId}\0${c.version}\0${kekVersion}${inEnvironment(c)}`);

export function wrapDataKey(
  ring: KeyRing,
  dataKey: Buffer,
  context: KeyContext,
  kekVersion = ring.currentVersion,
): WrappedKey {
  return { dataKey: seal(ring.key(kekVersion), dataKey, dataKeyAad(context, kekVersion)), kekVersion };
}

export function unwrapDataKey(ring: KeyRing, wrapped: WrappedKey, context: KeyContext): Buffer {
  return open(
    ring.key(wrapped.kekVersion),
    wrapped.dataKey,
    dataKeyAad(context, wrapped.kekVersion),
    `The data key of version ${context.version}`,
  );
}

export function sealPayload(ring: KeyRing, plaintext: Buffer, context: SealContext): SealedPayload {
  const dataKey = randomBytes(32);
  try {
    return { payload: seal(dataKey, plaintext, payloadAad(context)), ...wrapDataKey(ring, dataKey, context) };
  } finally {
    dataKey.fill(0);
  }
}

export function openPayload(ring: KeyRing, sealed: SealedPayload, context: SealContext): Buffer {
  const dataKey = unwrapDataKey(ring, sealed, context);
  try {
    return openPayloadWith(dataKey, sealed.payload, context);
  } finally {
    dataKey.fill(0);
  }
}

/** Opens a payload with its data key already unwrapped (a node's cache keeps those for a while). */
export function openPayloadWith(dataKey: Buffer, payload: Buffer, context: SealContext): Buffer {
  return open(dataKey, payload, payloadAad(context), `Version ${context.version} of the secret`);
}

/** Re-wraps a data key under another key-encryption key; the payload is untouched. */
export function rewrap(ring: KeyRing, wrapped: WrappedKey, context: KeyContext, targetVersion: number): WrappedKey {
  const dataKey = unwrapDataKey(ring, wrapped, context);
  try {
    return wrapDataKey(ring, dataKey, context, targetVersion);
  } finally {
    dataKey.fill(0);
  }
}
