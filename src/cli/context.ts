/** What commands get: lazily built parts of Tresor and the output streams. */

import { parseConfig, type TresorConfig } from '../config.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import { TresorError, ValidationError } from '../errors.ts';
import { type Principal, systemPrincipal } from '../identity/principal.ts';
import type { Tresor } from '../tresor.ts';
import type { SecretsBackend } from './backend.ts';
import { readLogin } from './credentials-file.ts';
import { localBackend } from './local-backend.ts';
import { printable } from './printable.ts';
import { type RemoteTarget, remoteBackend } from './remote-backend.ts';

/**
 * Tresor itself (database, crypto, credential types, PGlite) is loaded only by commands that
 * use it: `tresor --help` and every remote command start without it.
 */
const loadTresor = async () => ({ ...(await import('../tresor.ts')), ...(await import('../logger.ts')) });

export interface CliContext {
  config(): TresorConfig;
  registry(): Promise<CredentialRegistry>;
  /**
   * Tresor against the configured database (local mode). Refuses remote options, and never
   * creates a missing embedded data folder unless `create` (tresor init).
   */
  tresor(options?: { create?: boolean }): Promise<Tresor>;
  /**
   * Tresor itself, for commands that act on the local database without signing in (key
   * rotation, audit, users): says so on stderr once, so nobody mistakes it for their account.
   */
  localPrincipal(): Principal;
  out(line: string): void;
  err(line: string): void;
  /** Remote (--url/TRESOR_URL and a token, or a stored login) or local backend for secret commands. */
  backend(): Promise<SecretsBackend>;
  remote(): RemoteTarget | undefined;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (progress bars redraw in place). */
  interactive: boolean;
  /** Set by a command that ran but reports a failure (a connection test with a failed check). */
  exitCode: number | undefined;
  close(): Promise<void>;
}

export interface GlobalOptions {
  url?: string;
  token?: string;
}

export function createCliContext(
  env: Record<string, string | undefined> = process.env,
  globals: () => GlobalOptions = () => ({}),
): CliContext {
  let config: TresorConfig | undefined;
  let registry: Promise<CredentialRegistry> | undefined;
  let tresor: Promise<Tresor> | undefined;
  let saidLocal = false;
  let warnedToken = false;
  const context: CliContext = {
    config: () => (config ??= parseConfig(env)),
    registry: () => (registry ??= loadTresor().then((m) => m.createRegistry(context.config()))),
    tresor: (options = {}) => {
      // Local mode: refuse remote options rather than ignore them (a command that cannot go
      // through the API must not quietly work on a local folder instead of the server named).
      const g = globals();
      const remoteOption =
        g.url !== undefined ? '--url' : g.token !== undefined ? '--token' : env.TRESOR_URL ? 'TRESOR_URL' : undefined;
      if (remoteOption) {
        return Promise.reject(
          ValidationError.field(
            remoteOption,
            `This command works on the local database only and does not use ${remoteOption}; ` +
              'run it where the data is, without remote options',
          ),
        );
      }
      tresor ??= loadTresor().then((m) =>
        m.createTresor(context.config(), {
          logger: m.createLogger(context.config().logLevel === 'info' ? 'warn' : context.config().logLevel),
          createDataFolder: options.create === true,
        }),
      );
      return tresor;
    },
    env,
    remote() {
      const g = globals();
      const stored = readLogin(env);
      const url = g.url ?? env.TRESOR_URL ?? stored?.url;
      if (!url) return undefined;
      // After tresor logout: say so, never fall back to the local folder behind the user's back.
      if (stored?.signedOut && stored.url === url && g.token === undefined && env.TRESOR_TOKEN === undefined) {
        throw new TresorError(
          'UNAUTHENTICATED',
          `You are signed out of ${url}: run tresor login --url ${url}, or tresor logout --local to use ` +
            'the local database again',
        );
      }
      if (g.token !== undefined && !warnedToken) {
        warnedToken = true;
        context.err(
          'warning: --token is readable by every local user in the process list; prefer TRESOR_TOKEN or tresor login',
        );
      }
      const given = g.token ?? env.TRESOR_TOKEN;
      const token = given ?? (stored && stored.url === url ? stored.token : undefined);
      if (!token)
        throw new TresorError(
          'UNAUTHENTICATED',
          `No token for ${url}: run tresor login --url ${url}, or pass --token / TRESOR_TOKEN`,
        );
      return { url, token, from: given === undefined ? 'login' : 'given' };
    },
    async backend() {
      const remote = context.remote();
      return remote ? remoteBackend(remote) : localBackend(await context.tresor());
    },
    localPrincipal() {
      if (!saidLocal) {
        saidLocal = true;
        const where = context.config().databaseUrl
          ? 'the database in DATABASE_URL'
          : `the embedded database in ${context.config().dataDir}`;
        context.err(`local mode: acting as Tresor itself on ${where}`);
      }
      return systemPrincipal;
    },
    // Names and descriptions come from other people: never a raw escape sequence to the terminal.
    out: (line) => process.stdout.write(`${printable(line)}\n`),
    err: (line) => process.stderr.write(`${printable(line)}\n`),
    interactive: process.stderr.isTTY === true,
    exitCode: undefined,
    async close() {
      if (tresor) await (await tresor.catch(() => undefined))?.close();
    },
  };
  return context;
}
