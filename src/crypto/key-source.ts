/**
 * Where key-encryption keys come from. A source is a small interface, so a KMS or vault
 * provider can be plugged in beside the built-in ones:
 * - `TRESOR_MASTER_KEY` (environment): read-only; rotation needs the operator to add a version;
 * - `TRESOR_MASTER_KEY_FILE`: a file of versions; rotation appends a new one;
 * - embedded default: `<data dir>/master.key`, created 0600 on first start with a loud warning.
 * The keys never enter the database.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { formatKeyMaterial, generateKey, type KeyVersion, parseKeyMaterial } from './key-material.ts';

export interface KeySource {
  /** Says where keys come from, for messages; never the key. */
  readonly description: string;
  load(): Promise<KeyVersion[]>;
  /** Generates and stores a new version, if this source can; undefined otherwise. */
  addVersion?(): Promise<KeyVersion>;
}

export type KeySourceWarning = (message: string) => void;

export function environmentKeySource(value: string): KeySource {
  return { description: 'TRESOR_MASTER_KEY', load: async () => parseKeyMaterial(value, 'TRESOR_MASTER_KEY') };
}

/** Writes the whole file anew and renames it into place, so a crash never leaves half a key file. */
function writeKeyFile(path: string, versions: readonly KeyVersion[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, formatKeyMaterial(versions), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function fileKeySource(
  path: string,
  options: { createIfMissing?: boolean; warn?: KeySourceWarning } = {},
): KeySource {
  const description = `key file ${path}`;
  return {
    description,
    async load() {
      if (!existsSync(path)) {
        if (!options.createIfMissing)
          throw new ConfigError(`The key file ${path} does not exist`, 'TRESOR_MASTER_KEY_FILE');
        mkdirSync(dirname(path), { recursive: true });
        writeKeyFile(path, [generateKey(1)]);
        options.warn?.(
          `Created a new master key at ${path} (mode 0600). The key and the encrypted data now sit in the same ` +
            `folder: ` +
            'anyone who copies the folder can read every secret. For production, keep the key elsewhere ' +
            '(TRESOR_MASTER_KEY or TRESOR_MASTER_KEY_FILE) and back it up: without it the data is lost.',
        );
      }
      const mode = statSync(path).mode & 0o777;
      if (mode & 0o077)
        options.warn?.(
          `The key file ${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
        );
      return parseKeyMaterial(readFileSync(path, 'utf8'), description);
    },
    async addVersion() {
      const versions = parseKeyMaterial(readFileSync(path, 'utf8'), description);
      const next = generateKey(Math.max(...versions.map((v) => v.version)) + 1);
      writeKeyFile(path, [...versions, next]);
      return next;
    },
  };
}

export interface KeySourceSettings {
  masterKey: string | undefined;
  masterKeyFile: string | undefined;
  /** Where the embedded default puts its key file; undefined when the database is not embedded. */
  embeddedDataDir: string | undefined;
}

export function keySourceFor(settings: KeySourceSettings, warn: KeySourceWarning): KeySource {
  if (settings.masterKey && settings.masterKeyFile)
    throw new ConfigError('Set either TRESOR_MASTER_KEY or TRESOR_MASTER_KEY_FILE, not both', 'TRESOR_MASTER_KEY');
  if (settings.masterKey) return environmentKeySource(settings.masterKey);
  if (settings.masterKeyFile) return fileKeySource(settings.masterKeyFile, { warn });
  if (settings.embeddedDataDir)
    return fileKeySource(join(settings.embeddedDataDir, 'master.key'), { createIfMissing: true, warn });
  throw new ConfigError(
    'With DATABASE_URL set, a master key is required: set TRESOR_MASTER_KEY (32 bytes in base64) or ' +
      'TRESOR_MASTER_KEY_FILE',
    'TRESOR_MASTER_KEY',
  );
}
