/**
 * The composition root: builds every part of Tresor from one parsed config. The HTTP
 * server, the CLI and the tests all start here, so they cannot be wired differently.
 */
import { join } from 'node:path';
import type { TresorConfig } from './config.ts';
import { CredentialRegistry, loadCredentialTypes } from './credentials/index.ts';
import { keyServiceFactory, type KeyService } from './crypto/key.service.ts';
import { keySourceFor, type KeySource } from './crypto/key-source.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import { secretServiceFactory, type SecretService } from './secrets/secret.service.ts';

export interface Tresor {
  config: TresorConfig;
  logger: Logger;
  registry: CredentialRegistry;
  database: DatabaseHandle;
  keys: KeyService;
  secrets: SecretService;
  close(): Promise<void>;
}

export interface TresorOverrides {
  logger?: Logger;
  /** An already open database (tests hand in a fresh one per suite). */
  database?: DatabaseHandle;
  /** A key provider other than the environment or a key file. */
  keySource?: KeySource;
}

/** The registry with the built-in types and those of any extra types folder. */
export async function createRegistry(config: Pick<TresorConfig, 'passwordMinScore' | 'typesDirs'>): Promise<CredentialRegistry> {
  const registry = new CredentialRegistry({ settings: { passwordMinScore: config.passwordMinScore } });
  await loadCredentialTypes(registry);
  for (const dir of config.typesDirs) await loadCredentialTypes(registry, dir);
  return registry;
}

export async function createTresor(config: TresorConfig, overrides: TresorOverrides = {}): Promise<Tresor> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const registry = await createRegistry(config);
  const database =
    overrides.database ??
    (await openDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl, maxConnections: config.dbMaxConnections } : { kind: 'pglite', dataDir: join(config.dataDir, 'pglite') }));
  try {
    await migrate(database);
    const source =
      overrides.keySource ??
      keySourceFor({ masterKey: config.masterKey, masterKeyFile: config.masterKeyFile, embeddedDataDir: database.kind === 'pglite' ? config.dataDir : undefined }, (message) => logger.warn(message));
    const keys = keyServiceFactory({ db: database.db, source });
    await keys.init();
    const secrets = secretServiceFactory({ db: database.db, registry, keys, settings: { versionsKept: config.versionsKept } });
    return {
      config,
      logger,
      registry,
      database,
      keys,
      secrets,
      async close() {
        if (!overrides.database) await database.close();
      },
    };
  } catch (error) {
    if (!overrides.database) await database.close().catch(() => {});
    throw error;
  }
}
