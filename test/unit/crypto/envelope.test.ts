import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openPayload, rewrap, sealPayload } from '../../../src/crypto/envelope.ts';
import { KeyRing } from '../../../src/crypto/key-ring.ts';
import { IntegrityError } from '../../../src/errors.ts';

const ring = new KeyRing([
  { version: 1, key: randomBytes(32) },
  { version: 2, key: randomBytes(32) },
]);
const context = { secretId: randomUUID(), version: 3, typeId: 'smtp' };
const plaintext = Buffer.from('{"password":"hunter2"}');

function expectIntegrityError(fn: () => unknown) {
  expect(fn).toThrow(IntegrityError);
}

describe('envelope encryption', () => {
  it('seals with a fresh data key and nonce each time, under the current key version', () => {
    const a = sealPayload(ring, plaintext, context);
    const b = sealPayload(ring, plaintext, context);
    expect(a.kekVersion).toBe(2);
    expect(a.payload.equals(b.payload)).toBe(false);
    expect(a.dataKey.equals(b.dataKey)).toBe(false);
    expect(a.payload.length).toBe(12 + plaintext.length + 16);
    expect(openPayload(ring, a, context).equals(plaintext)).toBe(true);
  });

  it('refuses a payload bound to another secret, version or type', () => {
    const sealed = sealPayload(ring, plaintext, context);
    expectIntegrityError(() => openPayload(ring, sealed, { ...context, secretId: randomUUID() }));
    expectIntegrityError(() => openPayload(ring, sealed, { ...context, version: 4 }));
    expectIntegrityError(() => openPayload(ring, sealed, { ...context, typeId: 'jira' }));
  });

  it('refuses any flipped bit in the payload or the wrapped key', () => {
    const sealed = sealPayload(ring, plaintext, context);
    for (const field of ['payload', 'dataKey'] as const) {
      for (const index of [0, 13, sealed[field].length - 1]) {
        const copy = Buffer.from(sealed[field]);
        copy[index]! ^= 0x01;
        expectIntegrityError(() => openPayload(ring, { ...sealed, [field]: copy }, context));
      }
    }
    expectIntegrityError(() => openPayload(ring, { ...sealed, payload: sealed.payload.subarray(0, 10) }, context));
  });

  it('refuses a key ring with other keys, and a key version it does not have', () => {
    const sealed = sealPayload(ring, plaintext, context);
    const other = new KeyRing([{ version: 2, key: randomBytes(32) }]);
    expectIntegrityError(() => openPayload(other, sealed, context));
    expectIntegrityError(() => openPayload(new KeyRing([{ version: 1, key: ring.key(1) }]), sealed, context));
  });

  it('re-wraps a data key under another version without touching the payload', () => {
    const old = new KeyRing([{ version: 1, key: ring.key(1) }]);
    const sealed = sealPayload(old, plaintext, context);
    expect(sealed.kekVersion).toBe(1);
    const moved = rewrap(ring, sealed, context, 2);
    expect(moved.kekVersion).toBe(2);
    expect(openPayload(ring, { payload: sealed.payload, ...moved }, context).equals(plaintext)).toBe(true);
    expectIntegrityError(() =>
      openPayload(ring, { payload: sealed.payload, dataKey: moved.dataKey, kekVersion: 1 }, context),
    );
  });

  it('gives each key version a stable check value that differs between keys', () => {
    expect(ring.checkValue(1).equals(new KeyRing([{ version: 1, key: ring.key(1) }]).checkValue(1))).toBe(true);
    expect(ring.checkValue(1).equals(ring.checkValue(2))).toBe(false);
    expect(ring.checkValue(1).includes(ring.key(1))).toBe(false);
  });
});
