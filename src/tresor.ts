/**
 * The composition root: builds every part of Tresor from one parsed config. The HTTP
 * server, the CLI and the tests all start here, so they cannot be wired differently.
 */
import { join } from 'node:path';
import { auditServiceFactory, type AuditService } from './audit/audit.service.ts';
import { type ChangeBus, createChangeBus } from './cluster/change-bus.ts';
import { ReadCache } from './cluster/read-cache.ts';
import type { TresorConfig } from './config.ts';
import { CredentialRegistry, loadCredentialTypes } from './credentials/index.ts';
import { keyServiceFactory, type KeyService } from './crypto/key.service.ts';
import { keySourceFor, type KeySource } from './crypto/key-source.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import { bootstrapServiceFactory, type BootstrapService } from './identity/bootstrap.service.ts';
import { groupServiceFactory, type GroupService } from './identity/group.service.ts';
import type { Principal } from './identity/principal.ts';
import { sessionServiceFactory, type SessionService } from './identity/session.service.ts';
import { userServiceFactory, type UserService } from './identity/user.service.ts';
import type { CredentialClass } from './credentials/index.ts';
import { type LastUsedRecorder, lastUsedRecorder } from './secrets/last-used.recorder.ts';
import { expressionServiceFactory, type ExpressionService } from './expressions/expression.service.ts';
import { jiraModule, type JiraModule } from './modules/jira/jira.client.ts';
import { mailModule, type MailModule } from './modules/mail/mail.module.ts';
import type { ModuleContext } from './modules/module-context.ts';
import { type ReferenceChecker, secretServiceFactory, type SecretService } from './secrets/secret.service.ts';
import { shareServiceFactory, type ShareService } from './secrets/share.service.ts';
import { type Used, type UseOptions, useServiceFactory, type UseService } from './secrets/use.service.ts';

export interface Tresor {
  config: TresorConfig;
  logger: Logger;
  registry: CredentialRegistry;
  database: DatabaseHandle;
  keys: KeyService;
  secrets: SecretService;
  shares: ShareService;
  usage: UseService;
  users: UserService;
  groups: GroupService;
  bootstrap: BootstrapService;
  sessions: SessionService;
  audit: AuditService;
  /** LISTENs for changes from every node. */
  bus: ChangeBus;
  /** This node's read cache, dropped entry by entry on notice. */
  cache: ReadCache;
  /** Coalesces "last used" stamps; flushed on close. */
  lastUsed: LastUsedRecorder;
  /** What modules (yours, mail, jira) are built from: use(), findUsable(), group principals. */
  moduleContext: ModuleContext;
  mail: MailModule;
  /** {{ secret('name') }} references in configuration text: check at save time, render at run time. */
  expressions: ExpressionService;
  jira: JiraModule;
  /** A typed, decrypted credential for a module acting for `principal` (see UseService). */
  use<T extends object>(ctor: CredentialClass<T>, principal: Principal, nameOrId: string, options?: UseOptions): Promise<Used<T>>;
  close(): Promise<void>;
}

export interface TresorOverrides {
  logger?: Logger;
  /** An already open database (tests hand in a fresh one per suite). */
  database?: DatabaseHandle;
  /** A key provider other than the environment or a key file. */
  keySource?: KeySource;
  /** Names this node's listening connection (application_name), e.g. to find it in pg_stat_activity. */
  nodeName?: string;
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
    // Changes this node announces go to its own cache at once (read-your-writes), before the notice.
    const announced: { cache?: ReadCache } = {};
    const audit = auditServiceFactory({ db: database.db, driver: database.driver, durability: config.auditDurability, onAnnounce: (change) => announced.cache?.pending(change) });
    const keys = keyServiceFactory({ db: database.db, source, audit });
    await keys.init();
    const db = database.db;
    const bootstrap = bootstrapServiceFactory({ db, audit });
    await bootstrap.ensureSystemGroup();
    // The change bus and this node's caches: a change anywhere is seen here at once.
    const bus = createChangeBus(database, {
      name: overrides.nodeName ?? 'tresor-listen',
      ...(config.listenUrl ? { listenUrl: config.listenUrl } : {}),
      heartbeatMs: config.busHeartbeatMs,
      onError: (error) => logger.error({ err: error }, 'change bus'),
    });
    await bus.start();
    const cache = new ReadCache(bus, { ttlMs: config.cacheTtlMs, maxEntries: config.cacheMaxEntries });
    announced.cache = cache;
    const references: { check?: ReferenceChecker } = {};
    const secrets = secretServiceFactory({ db, audit, registry, keys, settings: { versionsKept: config.versionsKept }, references, cache });
    const lastUsed = lastUsedRecorder(db, { intervalMs: config.lastUsedFlushMs, onError: (error) => logger.error({ err: error }, 'could not record last use') });
    const usage = useServiceFactory({ db, registry, secrets, lastUsed, audit, cache });
    references.check = async (principal, name) => ({ typeId: (await usage.checkUsable(principal, name)).type.id });
    const sessions = sessionServiceFactory({ db, audit, sessionHours: config.sessionHours, cache });
    const groups = groupServiceFactory({ db, audit });
    const moduleContext: ModuleContext = {
      use: (ctor, principal, nameOrId, options) => usage.use(ctor, principal, nameOrId, options),
      findUsable: (ctor, principal) => usage.findUsable(ctor, principal),
      groupPrincipal: async (name) => ({ kind: 'group', id: (await groups.find(name)).id }),
    };
    return {
      config,
      logger,
      registry,
      database,
      keys,
      secrets,
      shares: shareServiceFactory({ db, registry, audit }),
      usage,
      users: userServiceFactory({ db, audit, listener: { credentialsRevoked: (userId) => sessions.revokeAll(userId) } }),
      sessions,
      groups,
      moduleContext,
      mail: mailModule(moduleContext),
      expressions: expressionServiceFactory({ usage }),
      jira: jiraModule(moduleContext),
      audit,
      bootstrap,
      lastUsed,
      use: (ctor, principal, nameOrId, options) => usage.use(ctor, principal, nameOrId, options),
      bus,
      cache,
      async close() {
        await lastUsed.flush();
        await bus.stop();
        if (!overrides.database) await database.close();
      },
    };
  } catch (error) {
    if (!overrides.database) await database.close().catch(() => {});
    throw error;
  }
}
