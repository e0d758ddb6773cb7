/**
 * Private keys whose derivation cost an attacker raised: an OpenSSH key with more bcrypt
 * rounds, a PKCS#8 key with more PBKDF2 iterations. The header is rewritten, so the key no
 * longer opens with its passphrase, but opening it costs what the header says.
 */

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function bodyOf(text: string): Buffer {
  return Buffer.from(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join(''),
    'base64',
  );
}

/** The OpenSSH key with its bcrypt round count set to `rounds`. */
export function withBcryptRounds(openssh: string, rounds: number): string {
  const body = bodyOf(openssh);
  let at = 'openssh-key-v1\0'.length;
  const skip = () => {
    const length = body.readUInt32BE(at);
    at += 4 + length;
    return at - length;
  };
  skip(); // cipher
  skip(); // kdf name
  const options = skip(); // kdf options: string salt, uint32 rounds
  const saltLength = body.readUInt32BE(options);
  body.writeUInt32BE(rounds, options + 4 + saltLength);
  return pem('OPENSSH PRIVATE KEY', body);
}

interface Node {
  tag: number;
  children?: Node[];
  content?: Buffer;
}

function parse(buffer: Buffer): Node[] {
  const nodes: Node[] = [];
  for (let at = 0; at < buffer.length; ) {
    const tag = buffer[at]!;
    let length = buffer[at + 1]!;
    let start = at + 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + buffer[start + i]!;
      start += bytes;
    }
    const content = buffer.subarray(start, start + length);
    nodes.push(tag === 0x30 ? { tag, children: parse(content) } : { tag, content });
    at = start + length;
  }
  return nodes;
}

function encode(node: Node): Buffer {
  const content = node.children ? Buffer.concat(node.children.map(encode)) : node.content!;
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([node.tag]), length, content]);
}

function integer(value: number): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/** The encrypted PKCS#8 (PBES2/PBKDF2) key with its iteration count set to `iterations`. */
export function withPbkdf2Iterations(pkcs8: string, iterations: number): string {
  const [root] = parse(bodyOf(pkcs8));
  const pbkdf2Params = root!.children![0]!.children![1]!.children![0]!.children![1]!;
  pbkdf2Params.children![1] = { tag: 0x02, content: integer(iterations) };
  return pem('ENCRYPTED PRIVATE KEY', encode(root!));
}
