/** What commands get: lazily built parts of Tresor and the output streams. */
import { parseConfig, type TresorConfig } from '../config.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import { createLogger } from '../logger.ts';
import { createRegistry, createTresor, type Tresor } from '../tresor.ts';

export interface CliContext {
  config(): TresorConfig;
  registry(): Promise<CredentialRegistry>;
  /** Tresor against the configured database (local mode). */
  tresor(): Promise<Tresor>;
  out(line: string): void;
  err(line: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place). */
  interactive: boolean;
  close(): Promise<void>;
}

export function createCliContext(env: Record<string, string | undefined> = process.env): CliContext {
  let config: TresorConfig | undefined;
  let registry: Promise<CredentialRegistry> | undefined;
  let tresor: Promise<Tresor> | undefined;
  const context: CliContext = {
    config: () => (config ??= parseConfig(env)),
    registry: () => (registry ??= createRegistry(context.config())),
    tresor: () => (tresor ??= createTresor(context.config(), { logger: createLogger(context.config().logLevel === 'info' ? 'warn' : context.config().logLevel) })),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stderr.isTTY === true,
    async close() {
      if (tresor) await (await tresor.catch(() => undefined))?.close();
    },
  };
  return context;
}
