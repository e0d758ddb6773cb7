/**
 * `npm start`: Tresor's HTTP server. Embedded database by default; on an empty database
 * it creates the first administrator from TRESOR_ADMIN_EMAIL/TRESOR_ADMIN_PASSWORD or
 * prints a one-time setup link. Stops gracefully on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from './config.ts';
import { releaseStrengthDictionaries } from './credentials/password-strength.ts';
import { printable } from './db/errors.ts';
import { isTresorError } from './errors.ts';
import { createLogger } from './logger.ts';
import { createTresor, type Tresor } from './tresor.ts';
import { buildApp } from './web/app.ts';

async function main(): Promise<void> {
  const config = parseConfig();
  const logger = createLogger(config.logLevel);
  // Signals are heard from the first moment: one that arrives while Tresor is still starting
  // stops it as soon as it is up, cleanly (the data folder's lock is released, the database closed).
  let tresor: Tresor | undefined;
  let app: FastifyInstance | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const forced = setTimeout(() => process.exit(1), 10_000).unref();
    // Drains requests in flight (their audit rows are written before they answer), then
    // flushes last-used stamps and closes the database.
    await app?.close();
    await tresor?.close();
    clearTimeout(forced);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  tresor = await createTresor(config, { logger });
  const https =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  app = await buildApp(tresor, { logger, ...(https ? { https } : {}) });
  if (stopping) {
    await app.close();
    await tresor.close();
    return;
  }

  const address = await app.listen({ host: config.host, port: config.port });
  const base = config.publicUrl ?? address;
  const first = await tresor.bootstrap.firstStart({ email: config.adminEmail, password: config.adminPassword });
  if (first.kind === 'created') {
    logger.warn(`Created the first administrator ${first.user.email}; sign in at ${base}/login`);
    // Checking that password was the only strength check of this start: ~50 MB of dictionaries the
    // server would otherwise hold for a minute, into every measurement of a first start's memory.
    releaseStrengthDictionaries();
  }
  if (first.kind === 'setup') {
    process.stderr.write(
      `\n  Tresor has no users yet. Create the first administrator (link valid 24 hours, works once):\n\n    ` +
        `${base}/setup?token=${first.token}\n\n`,
    );
  }
  // Expiry notices from this node too (every node may: one does each notice, see src/lifecycle).
  tresor.notices.schedule();
  tresor.webhooks.schedule();
  logger.info({ url: base, database: tresor.database.kind }, 'Tresor is ready');
}

main().catch((error: unknown) => {
  // Configuration and key problems are the operator's to fix: one line, no stack.
  const text = isTresorError(error) ? error.message : (printable(error).stack ?? printable(error).message);
  process.stderr.write(`tresor: ${text}\n`);
  process.exit(1);
});
