/**
 * The export archive: a passphrase-sealed file for moving secrets between Tresor instances.
 *
 *   TRESOR-ARCHIVE\n
 *   {header JSON}\n            format version, argon2id parameters and salt, a key check
 *   base64(AES-256-GCM body)\n  nonce ‖ gzip(JSON content) encrypted ‖ tag
 *
 * The key is argon2id(passphrase, a random 16-byte salt) — never a fixed salt. The header
 * is the body's associated data: changing a byte of either fails the open. The header's
 * `check` (HMAC of a fixed label under the key) tells a wrong passphrase from an altered
 * file; it lets a guess be tested no faster than the body itself would. Opening refuses
 * argon2 parameters beyond a cap before deriving anything: a crafted archive cannot make
 * the importer spend gigabytes or minutes. Key derivation runs on libuv's pool, never on
 * the event loop.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { hashRaw } from '@node-rs/argon2';
import { z } from 'zod';
import { open, seal } from '../crypto/aead.ts';
import { IntegrityError, ValidationError } from '../errors.ts';

const magic = 'TRESOR-ARCHIVE';
export const archiveFormat = 1;
/** 64 MiB, 3 passes: stronger than a login hash, as an archive may be attacked offline for long. */
const kdfDefaults = { memoryKiB: 65_536, passes: 3, parallelism: 1 };
const kdfCaps = { memoryKiB: 262_144, passes: 10, parallelism: 4 };
export const minPassphraseLength = 12;
/**
 * What an archive may inflate to: a budget per secret it declares (every version of a large
 * certificate chain fits), never more than 256 MiB. A crafted body that inflates further is
 * refused when it passes the budget, not after a gigabyte.
 */
const inflatedPerSecret = 1024 * 1024;
const inflatedCap = 256 * 1024 * 1024;
const inflate = promisify(gunzip);

const headerSchema = z.object({
  format: z.literal(archiveFormat),
  kdf: z.object({
    name: z.literal('argon2id'),
    memoryKiB: z.number().int().min(8_192).max(kdfCaps.memoryKiB),
    passes: z.number().int().min(1).max(kdfCaps.passes),
    parallelism: z.number().int().min(1).max(kdfCaps.parallelism),
    salt: z.string().regex(/^[A-Za-z0-9+/]{22}==$/),
  }),
  cipher: z.literal('aes-256-gcm'),
  check: z.string().regex(/^[A-Za-z0-9+/=]{44}$/),
  createdAt: z.string(),
  /** What the archive holds, readable before the passphrase (the dry run shows it too). */
  secrets: z.number().int().min(0),
  allVersions: z.boolean(),
});
export type ArchiveHeader = z.infer<typeof headerSchema>;

async function deriveKey(passphrase: string, kdf: ArchiveHeader['kdf']): Promise<Buffer> {
  return hashRaw(passphrase, {
    algorithm: 2,
    memoryCost: kdf.memoryKiB,
    timeCost: kdf.passes,
    parallelism: kdf.parallelism,
    salt: Buffer.from(kdf.salt, 'base64'),
    outputLen: 32,
  });
}

const keyCheck = (key: Buffer) => createHmac('sha256', key).update('tresor-archive-key-check').digest('base64');

function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length < minPassphraseLength)
    throw ValidationError.field('passphrase', `The passphrase must be at least ${minPassphraseLength} characters`);
}

export async function sealArchive(
  passphrase: string,
  content: unknown,
  meta: { secrets: number; allVersions: boolean },
): Promise<string> {
  checkPassphrase(passphrase);
  const kdf = { name: 'argon2id' as const, ...kdfDefaults, salt: randomBytes(16).toString('base64') };
  const key = await deriveKey(passphrase, kdf);
  const header: ArchiveHeader = {
    format: archiveFormat,
    kdf,
    cipher: 'aes-256-gcm',
    check: keyCheck(key),
    createdAt: new Date().toISOString(),
    ...meta,
  };
  const headerLine = JSON.stringify(header);
  const body = seal(key, gzipSync(JSON.stringify(content)), Buffer.from(`${magic}\n${headerLine}`));
  return `${magic}\n${headerLine}\n${body.toString('base64')}\n`;
}

/** The header alone (no passphrase needed): what the archive says it holds. */
export function readHeader(text: string): { header: ArchiveHeader; headerLine: string; body: string } {
  // A browser's form (and a Windows editor) sends line breaks as CRLF; the archive's are LF.
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== magic || lines.length < 3)
    throw ValidationError.field('archive', 'This is not a Tresor archive (it does not start with TRESOR-ARCHIVE)');
  const headerLine = lines[1]!;
  let raw: unknown;
  try {
    raw = JSON.parse(headerLine);
  } catch {
    throw ValidationError.field('archive', 'The archive header is damaged');
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== archiveFormat)
    throw ValidationError.field(
      'archive',
      `The archive is format ${String(format)}; this Tresor reads format ${archiveFormat}`,
    );
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success)
    throw ValidationError.field(
      'archive',
      `The archive header is damaged or asks for more than Tresor allows (argon2 memory ≤ ${kdfCaps.memoryKiB} KiB, ` +
        `passes ≤ ${kdfCaps.passes}, lanes ≤ ${kdfCaps.parallelism})`,
    );
  return { header: parsed.data, headerLine, body: lines[2]! };
}

export async function openArchive(
  text: string,
  passphrase: string,
): Promise<{ header: ArchiveHeader; content: unknown }> {
  const { header, headerLine, body } = readHeader(text);
  checkPassphrase(passphrase);
  const key = await deriveKey(passphrase, header.kdf);
  const check = Buffer.from(keyCheck(key));
  if (!timingSafeEqual(check, Buffer.from(header.check.padEnd(check.length).slice(0, check.length))))
    throw ValidationError.field('passphrase', 'Wrong passphrase for this archive');
  let plain: Buffer;
  try {
    plain = open(key, Buffer.from(body, 'base64'), Buffer.from(`${magic}\n${headerLine}`), 'The archive');
  } catch (error) {
    if (error instanceof IntegrityError)
      throw ValidationError.field('archive', 'The archive was altered or is damaged: it failed its integrity check');
    throw error;
  }
  // Authenticated, so only the passphrase's holder made it; still bounded, as a parser should be:
  // inflated on libuv's pool (never the event loop), stopped at what the header declares.
  const budget = Math.min(inflatedCap, (header.secrets + 1) * inflatedPerSecret);
  let json: Buffer;
  try {
    json = await inflate(plain, { maxOutputLength: budget });
  } catch {
    throw ValidationError.field(
      'archive',
      `The archive holds more than the ${header.secrets} secret(s) it declares (over ${budget} bytes), or is damaged`,
    );
  }
  try {
    return { header, content: JSON.parse(json.toString('utf8')) };
  } catch {
    throw ValidationError.field('archive', 'The archive content is damaged');
  }
}
