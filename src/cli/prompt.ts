/** Reading secrets from the terminal without echo, or from standard input when piped. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** Everything on standard input, without the final newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal; what is typed is not shown. */
export function askHidden(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(question);
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** A secret from the terminal (hidden) or, when input is piped, from standard input. */
export async function readSecret(question: string): Promise<string> {
  return process.stdin.isTTY ? askHidden(question) : readStdin();
}
