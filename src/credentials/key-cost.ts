/**
 * What opening a private key will cost, read from its header without opening it, so a type's
 * `validate` can refuse a key whose derivation would take minutes (an OpenSSH key with
 * bcrypt rounds raised to 2^31, a PKCS#8 key with 5,000,000 PBKDF2 iterations) before any
 * work is done. Also a linear reader of PEM blocks (a lazy regex with a back-reference is
 * quadratic on text with many BEGIN lines and no END).
 */

/** The highest costs Tresor opens (documented in the README). ssh-keygen's default is 16 rounds. */
export const keyCostLimits = Object.freeze({ bcryptRounds: 64, pbkdf2Iterations: 1_000_000, scryptCost: 2 ** 20 * 8 });

export type KeyCost =
  | { kind: 'none' }
  | { kind: 'bcrypt'; rounds: number }
  | { kind: 'pbkdf2'; iterations: number }
  | { kind: 'scrypt'; n: number; r: number; p: number }
  | { kind: 'unknown' };

export interface PemBlock {
  label: string;
  /** The block, BEGIN and END lines included. */
  text: string;
  /** The base64 body, decoded. */
  body: Buffer;
}

/** Every complete PEM block of a text, in order, in one pass (headers such as Proc-Type stay out of the body). */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const missingEnd = new Set<string>();
  let from = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', from);
    if (begin < 0) return blocks;
    const labelEnd = text.indexOf('-----', begin + 11);
    const lineEnd = text.indexOf('\n', begin);
    if (labelEnd < 0 || (lineEnd >= 0 && labelEnd > lineEnd)) {
      from = begin + 11;
      continue;
    }
    const label = text.slice(begin + 11, labelEnd);
    const endMarker = `-----END ${label}-----`;
    // A label whose END was not found after an earlier BEGIN cannot be found after a later one.
    const end = missingEnd.has(label) ? -1 : text.indexOf(endMarker, labelEnd);
    if (end < 0) {
      missingEnd.add(label);
      from = labelEnd + 5;
      continue;
    }
    const inner = text.slice(labelEnd + 5, end);
    const body = inner
      .split(/\r?\n/)
      .filter((line) => line !== '' && !line.includes(':'))
      .join('');
    blocks.push({ label, text: text.slice(begin, end + endMarker.length), body: Buffer.from(body, 'base64') });
    from = end + endMarker.length;
  }
}

/** The key-derivation cost of the first private-key block of `pem`. */
export function keyCost(pem: string): KeyCost {
  const block = pemBlocks(pem).find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!block) return { kind: 'unknown' };
  if (block.label === 'OPENSSH PRIVATE KEY') return opensshCost(block.body);
  if (block.label === 'ENCRYPTED PRIVATE KEY') return pkcs8Cost(block.body);
  // Traditional PEM encryption (Proc-Type: 4,ENCRYPTED) derives its key with one MD5 pass.
  return { kind: 'none' };
}

/** Why opening a key of this cost is refused, if it is. */
export function keyCostProblem(cost: KeyCost): string | undefined {
  const limits = keyCostLimits;
  if (cost.kind === 'bcrypt' && cost.rounds > limits.bcryptRounds)
    return `uses ${cost.rounds} bcrypt rounds; Tresor opens keys of at most ${limits.bcryptRounds} (ssh-keygen -a)`;
  if (cost.kind === 'pbkdf2' && cost.iterations > limits.pbkdf2Iterations)
    return `uses ${cost.iterations} PBKDF2 iterations; Tresor opens keys of at most ${limits.pbkdf2Iterations}`;
  if (cost.kind === 'scrypt' && cost.n * cost.r > limits.scryptCost)
    return `uses scrypt with N=${cost.n}, r=${cost.r}; Tresor opens keys of at most N·r = ${limits.scryptCost}`;
  return undefined;
}

function opensshCost(body: Buffer): KeyCost {
  const magic = 'openssh-key-v1\0';
  if (body.subarray(0, magic.length).toString('latin1') !== magic) return { kind: 'unknown' };
  let at = magic.length;
  const string = (): Buffer | undefined => {
    if (at + 4 > body.length) return undefined;
    const length = body.readUInt32BE(at);
    if (at + 4 + length > body.length) return undefined;
    const value = body.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  string(); // cipher name
  const kdf = string()?.toString('latin1');
  const options = string();
  if (kdf === 'none') return { kind: 'none' };
  if (kdf !== 'bcrypt' || !options || options.length < 4) return { kind: 'unknown' };
  const saltLength = options.readUInt32BE(0);
  if (4 + saltLength + 4 > options.length) return { kind: 'unknown' };
  return { kind: 'bcrypt', rounds: options.readUInt32BE(4 + saltLength) };
}

interface Der {
  tag: number;
  content: Buffer;
  next: number;
}

function der(buffer: Buffer, at: number): Der | undefined {
  if (at + 2 > buffer.length) return undefined;
  const tag = buffer[at]!;
  let length = buffer[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > buffer.length) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buffer[start + i]!;
    start += bytes;
  }
  if (start + length > buffer.length) return undefined;
  return { tag, content: buffer.subarray(start, start + length), next: start + length };
}

/** The elements of a DER SEQUENCE's content. */
function elements(content: Buffer): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < content.length; ) {
    const element = der(content, at);
    if (!element) return out;
    out.push(element);
    at = element.next;
  }
  return out;
}

const integer = (e: Der | undefined): number =>
  e && e.tag === 0x02
    ? e.content.length > 7
      ? Number.POSITIVE_INFINITY
      : e.content.reduce((n, b) => n * 256 + b, 0)
    : Number.NaN;

const oid = (e: Der | undefined): string => (e && e.tag === 0x06 ? e.content.toString('hex') : '');

const pbes2 = '2a864886f70d01050d';
const pbkdf2 = '2a864886f70d01050c';
const scrypt = '2b06010401da470b';

function pkcs8Cost(body: Buffer): KeyCost {
  const outer = der(body, 0);
  const [algorithm] = outer ? elements(outer.content) : [];
  const [scheme, params] = algorithm ? elements(algorithm.content) : [];
  if (!scheme || !params) return { kind: 'unknown' };
  if (oid(scheme) !== pbes2) {
    // PBES1 and PKCS#12 schemes: parameters are { salt, iterations }.
    const iterations = integer(elements(params.content)[1]);
    return Number.isNaN(iterations) ? { kind: 'unknown' } : { kind: 'pbkdf2', iterations };
  }
  const [kdf] = elements(params.content);
  const [kdfOid, kdfParams] = kdf ? elements(kdf.content) : [];
  const values = kdfParams ? elements(kdfParams.content) : [];
  if (oid(kdfOid) === pbkdf2) {
    const iterations = integer(values[1]);
    return Number.isNaN(iterations) ? { kind: 'unknown' } : { kind: 'pbkdf2', iterations };
  }
  if (oid(kdfOid) === scrypt)
    return { kind: 'scrypt', n: integer(values[1]), r: integer(values[2]), p: integer(values[3]) };
  return { kind: 'unknown' };
}
