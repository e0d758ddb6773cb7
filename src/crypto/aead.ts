/**
 * AES-256-GCM with a random 96-bit nonce, packed as nonce ‖ ciphertext ‖ 128-bit tag.
 * Opening with the wrong key, altered bytes or other associated data throws an
 * IntegrityError; it never returns garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from '../errors.ts';

const nonceLength = 12;
const tagLength = 16;

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(nonceLength);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagLength });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer, aad: Buffer, what: string): Buffer {
  if (sealed.length < nonceLength + tagLength) throw new IntegrityError(`${what} is truncated`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, nonceLength), {
      authTagLength: tagLength,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - tagLength));
    return Buffer.concat([decipher.update(sealed.subarray(nonceLength, sealed.length - tagLength)), decipher.final()]);
  } catch (cause) {
    throw new IntegrityError(
      `${what} failed its integrity check: it was altered, moved from another secret, or sealed under another key`,
      cause,
    );
  }
}
