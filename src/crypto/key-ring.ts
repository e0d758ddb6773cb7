/**
 * The key-encryption keys in memory, by version. The highest version is current: new data
 * keys are wrapped with it; older versions stay to unwrap until rotation has moved every
 * data key off them.
 */
import { createHmac } from 'node:crypto';
import { ConfigError, IntegrityError } from '../errors.ts';
import type { KeyVersion } from './key-material.ts';

const checkLabel = 'tresor key check value v1';

export class KeyRing {
  private readonly versions = new Map<number, Buffer>();

  constructor(keys: readonly KeyVersion[]) {
    if (keys.length === 0) throw new ConfigError('The key ring is empty');
    for (const k of keys) this.versions.set(k.version, k.key);
  }

  get currentVersion(): number {
    return Math.max(...this.versions.keys());
  }

  get knownVersions(): number[] {
    return [...this.versions.keys()].sort((a, b) => a - b);
  }

  has(version: number): boolean {
    return this.versions.has(version);
  }

  key(version: number): Buffer {
    const key = this.versions.get(version);
    if (!key)
      throw new IntegrityError(`Key version ${version} is needed to open this secret but is not in the key ring`);
    return key;
  }

  /** A value that proves which key a version is without revealing it. */
  checkValue(version: number): Buffer {
    return createHmac('sha256', this.key(version)).update(checkLabel).digest();
  }

  /** A ring with one more version (after a source generated it). */
  with(key: KeyVersion): KeyRing {
    return new KeyRing([...this.knownVersions.map((version) => ({ version, key: this.key(version) })), key]);
  }
}
