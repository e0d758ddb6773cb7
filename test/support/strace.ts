/**
 * Debian's strace, for the durability suite (it counts the sync calls behind each
 * acknowledged write). Absent locally, that suite is skipped and says so; in CI it is required.
 */
import { existsSync } from 'node:fs';

export const stracePath = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));

if (!stracePath) {
  if (process.env.CI) throw new Error('strace is required in CI (apt-get install strace)');
  process.stdout.write(
    '[tresor] strace not found: the durability suite is SKIPPED (apt-get install strace to run it).\n',
  );
}

/** One system call from `strace -f -ttt -y`: when, which call, and its arguments as strace shows them. */
export interface TracedCall {
  at: number;
  call: string;
  args: string;
}

const line = /^(?:\d+\s+)?(\d+\.\d+)\s+(\w+)\((.*)$/;

/** Parses strace output (one call per line; resumed and signal lines are ignored). */
export function parseTrace(text: string): TracedCall[] {
  const calls: TracedCall[] = [];
  for (const raw of text.split('\n')) {
    const match = line.exec(raw);
    if (match) calls.push({ at: Number(match[1]), call: match[2]!, args: match[3]! });
  }
  return calls;
}

/** The times of the `ack N` marks a traced worker wrote to stdout, in order. */
export function ackTimes(calls: TracedCall[]): number[] {
  return calls.filter((c) => c.call === 'write' && /^1(<[^>]*>)?, "ack \d+\\n"/.test(c.args)).map((c) => c.at);
}

/** The times of the sync calls (fsync, fdatasync) on files of a PostgreSQL WAL folder. */
export function walSyncTimes(calls: TracedCall[]): number[] {
  return calls
    .filter((c) => (c.call === 'fsync' || c.call === 'fdatasync') && c.args.includes('/pg_wal/'))
    .map((c) => c.at);
}

/** For each acknowledgement, how many WAL syncs happened after the previous one and before it. */
export function syncsBeforeEachAck(acks: number[], syncs: number[], begin: number): number[] {
  return acks.map((at, i) => syncs.filter((s) => s > (i === 0 ? begin : acks[i - 1]!) && s <= at).length);
}
