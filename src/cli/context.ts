/** What commands get: lazily built parts of Tresor and the output streams. */
import { parseConfig, type TresorConfig } from '../config.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import { createRegistry } from '../tresor.ts';

export interface CliContext {
  config(): TresorConfig;
  registry(): Promise<CredentialRegistry>;
  out(line: string): void;
  err(line: string): void;
}

export function createCliContext(env: Record<string, string | undefined> = process.env): CliContext {
  let config: TresorConfig | undefined;
  let registry: Promise<CredentialRegistry> | undefined;
  const context: CliContext = {
    config: () => (config ??= parseConfig(env)),
    registry: () => (registry ??= createRegistry(context.config())),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  return context;
}
