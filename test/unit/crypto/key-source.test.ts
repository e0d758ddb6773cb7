import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyMaterial } from '../../../src/crypto/key-material.ts';
import { fileKeySource, keySourceFor } from '../../../src/crypto/key-source.ts';
import { ConfigError } from '../../../src/errors.ts';

const b64 = () => randomBytes(32).toString('base64');

describe('key material', () => {
  it('reads a bare key as version 1 and versioned lists in order', () => {
    const [a, b] = [b64(), b64()];
    expect(parseKeyMaterial(a, 'X').map((k) => k.version)).toEqual([1]);
    expect(parseKeyMaterial(`v3:${b},v1:${a}`, 'X').map((k) => [k.version, k.key.toString('base64')])).toEqual([
      [1, a],
      [3, b],
    ]);
  });

  it('refuses short keys, bad base64 and duplicate versions without echoing the key', () => {
    const short = randomBytes(16).toString('base64');
    const error = (() => {
      try {
        parseKeyMaterial(short, 'TRESOR_MASTER_KEY');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      'TRESOR_MASTER_KEY: key version 1 must be 32 bytes in base64 (generate one with: openssl rand -base64 32)',
    );
    expect(error?.message).not.toContain(short);
    const k = b64();
    expect(() => parseKeyMaterial(`v1:${k},v1:${b64()}`, 'X')).toThrow('X: key version 1 is given twice');
    expect(() => parseKeyMaterial(`${k},${b64()}`, 'X')).toThrow(/entry 1 must look like v2:BASE64/);
  });
});

describe('key sources', () => {
  it('creates the embedded key file with mode 0600 and warns that key and data sit together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-key-'));
    const warnings: string[] = [];
    const source = keySourceFor({ masterKey: undefined, masterKeyFile: undefined, embeddedDataDir: dir }, (m) =>
      warnings.push(m),
    );
    const keys = await source.load();
    expect(keys).toHaveLength(1);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(warnings.join()).toMatch(/key and the encrypted data now sit in the same folder/);
    // A second start reads the same key and does not warn about creation again.
    const again = await source.load();
    expect(again[0]!.key.equals(keys[0]!.key)).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('adds a version to a key file atomically, keeping the old ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-key-'));
    const path = join(dir, 'keys');
    const first = b64();
    writeFileSync(path, first, { mode: 0o600 });
    const source = fileKeySource(path);
    const added = await source.addVersion!();
    expect(added.version).toBe(2);
    const all = await source.load();
    expect(all.map((k) => k.version)).toEqual([1, 2]);
    expect(all[0]!.key.toString('base64')).toBe(first);
    expect(readFileSync(path, 'utf8')).toMatch(/^v1:.+\nv2:.+\n$/);
  });

  it('warns when a key file is readable by others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-key-'));
    const path = join(dir, 'keys');
    writeFileSync(path, b64(), { mode: 0o644 });
    const warnings: string[] = [];
    await fileKeySource(path, { warn: (m) => warnings.push(m) }).load();
    expect(warnings[0]).toMatch(/readable by other users \(mode 644\); run: chmod 600/);
  });

  it('requires a key with an external database, and refuses two sources at once', () => {
    expect(() =>
      keySourceFor({ masterKey: undefined, masterKeyFile: undefined, embeddedDataDir: undefined }, () => {}),
    ).toThrow(/a master key is required/);
    expect(() => keySourceFor({ masterKey: b64(), masterKeyFile: '/x', embeddedDataDir: undefined }, () => {})).toThrow(
      /either TRESOR_MASTER_KEY or TRESOR_MASTER_KEY_FILE/,
    );
  });
});
