/**
 * Password hashing with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).
 * Verifying against an unknown user still spends the same time, so response times do not
 * tell which e-mail addresses exist. At most a few hashes run at once (a flood of logins
 * from strangers must not take every core and the libuv pool): the rest wait in a bounded
 * queue, and beyond it are refused at once with BUSY (HTTP 429).
 */
import { hash, verify } from '@node-rs/argon2';
import { BusyError } from '../errors.ts';

const maxConcurrent = 2;
const maxWaiting = 64;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= maxConcurrent) {
    if (waiting.length >= maxWaiting) throw new BusyError('Too many sign-ins at once; try again in a moment');
    await new Promise<void>((go) => waiting.push(go));
  }
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Hashes waiting for a slot and running (for tests and diagnostics). */
export const hashingLoad = () => ({ running, waiting: waiting.length });

const options = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

let dummy: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return limited(() => hash(password, options));
}

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hashPassword('tresor-dummy-password');
    const spent = await dummy;
    await limited(() => verify(spent, password).catch(() => false));
    return false;
  }
  return limited(() => verify(stored, password).catch(() => false));
}
