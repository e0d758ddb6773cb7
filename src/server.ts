/**
 * `npm start`: Tresor's HTTP server. Embedded database by default; on an empty database
 * it creates the first administrator from TRESOR_ADMIN_EMAIL/TRESOR_ADMIN_PASSWORD or
 * prints a one-time setup link. Stops gracefully on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseConfig } from './config.ts';
import { isTresorError } from './errors.ts';
import { createLogger } from './logger.ts';
import { createTresor } from './tresor.ts';
import { buildApp } from './web/app.ts';

async function main(): Promise<void> {
  const config = parseConfig();
  const logger = createLogger(config.logLevel);
  const tresor = await createTresor(config, { logger });
  const https =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  const app = await buildApp(tresor, { logger, ...(https ? { https } : {}) });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const forced = setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
    await tresor.close();
    clearTimeout(forced);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const address = await app.listen({ host: config.host, port: config.port });
  const base = config.publicUrl ?? address;
  const first = await tresor.bootstrap.firstStart({ email: config.adminEmail, password: config.adminPassword });
  if (first.kind === 'created')
    logger.warn(`Created the first administrator ${first.user.email}; sign in at ${base}/login`);
  if (first.kind === 'setup') {
    process.stderr.write(
      `\n  Tresor has no users yet. Create the first administrator (link valid 24 hours, works once):\n\n    ` +
        `${base}/setup?token=${first.token}\n\n`,
    );
  }
  logger.info({ url: base, database: tresor.database.kind }, 'Tresor is ready');
}

main().catch((error: unknown) => {
  // Configuration and key problems are the operator's to fix: one line, no stack.
  const text = isTresorError(error)
    ? error.message
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
  process.stderr.write(`tresor: ${text}\n`);
  process.exit(1);
});
