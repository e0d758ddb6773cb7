/** Runs the real `tresor` bin as a child process, as a user would. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const tresorBin = resolve(import.meta.dirname, '../../src/cli/bin.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tresor(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [tresorBin, ...args],
      { env: { ...process.env, ...env }, timeout: 150_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
