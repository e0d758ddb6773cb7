/**
 * Key-encryption keys as text: `BASE64` (version 1) or `v1:BASE64,v2:BASE64,…` where each
 * value is 32 random bytes in base64. Parsing errors name the source and never echo a key.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.ts';

export interface KeyVersion {
  version: number;
  key: Buffer;
}

export function parseKeyMaterial(text: string, source: string): KeyVersion[] {
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ConfigError(`${source} holds no key`, source);
  const versions = entries.map((entry, index) => {
    const match = /^v(\d{1,6}):(.+)$/.exec(entry);
    const version = match ? Number(match[1]) : entries.length === 1 ? 1 : NaN;
    if (!Number.isInteger(version) || version < 1)
      throw new ConfigError(
        `${source}: entry ${index + 1} must look like v2:BASE64 when several keys are given`,
        source,
      );
    const encoded = match ? match[2]! : entry;
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
      throw new ConfigError(
        `${source}: key version ${version} must be 32 bytes in base64 (generate one with: openssl rand -base64 32)`,
        source,
      );
    }
    return { version, key };
  });
  const seen = new Set<number>();
  for (const v of versions) {
    if (seen.has(v.version)) throw new ConfigError(`${source}: key version ${v.version} is given twice`, source);
    seen.add(v.version);
  }
  return versions.sort((a, b) => a.version - b.version);
}

export function formatKeyMaterial(versions: readonly KeyVersion[]): string {
  return `${versions.map((v) => `v${v.version}:${v.key.toString('base64')}`).join('\n')}\n`;
}

export function generateKey(version: number): KeyVersion {
  return { version, key: randomBytes(32) };
}
