/**
 * The composition root: builds every part of Tresor from one parsed config. The HTTP
 * server, the CLI and the tests all start here, so they cannot be wired differently.
 */
import { join } from 'node:path';
import { accessGateFactory } from './access/access.gate.ts';
import { payloadReader } from './access/payload.reader.ts';
import { auditServiceFactory } from './audit/audit.service.ts';
import { auditLogServiceFactory } from './audit/audit-log.service.ts';
import { requestRefusalsFactory } from './audit/refusals.ts';
import { createChangeBus } from './cluster/change-bus.ts';
import { ReadCache } from './cluster/read-cache.ts';
import type { TresorConfig } from './config.ts';
import { HookPool } from './credentials/hooks/hook-pool.ts';
import type { CredentialRegistry } from './credentials/index.ts';
import { createRegistry } from './credentials/loader.ts';
import { keyServiceFactory } from './crypto/key.service.ts';
import { keyAdministrationFactory } from './crypto/key-administration.ts';
import { coalescedKeyReload } from './crypto/key-reload.ts';
import { keySourceFor } from './crypto/key-source.ts';
import { spaceKeyRecords } from './crypto/space-key.store.ts';
import { spaceKeysFactory } from './crypto/space-keys.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { claimDataFolder } from './db/data-folder.ts';
import { migrate } from './db/migrate.ts';
import { expressionServiceFactory } from './expressions/expression.service.ts';

import { bootstrapServiceFactory } from './identity/bootstrap.service.ts';
import { groupServiceFactory } from './identity/group.service.ts';

import { identityStore } from './identity/identity.store.ts';
import { identityServices } from './identity/identity-services.ts';
import { loginPasswords } from './identity/login-password.ts';

import { totpSeedRecords } from './identity/second-factor/totp-seed.seal.ts';
import { sessionServiceFactory } from './identity/session.service.ts';

import { noticesFactory } from './lifecycle/notices.ts';
import { createLogger } from './logger.ts';
import { credentialHttpFactory } from './modules/credential-http.ts';
import { systemMailer } from './modules/mail/system-mailer.ts';
import type { ModuleContext } from './modules/module-context.ts';
import { egressPolicy } from './net/egress-policy.ts';
import { outboundCa } from './net/outbound-ca.ts';
import { oauth2ServiceFactory } from './oauth2/oauth2.service.ts';
import { connectionRecords } from './oauth2/oauth2.store.ts';
import { envProvider } from './providers/env.provider.ts';
import { fileProvider } from './providers/file.provider.ts';
import { providedServiceFactory, reportProvidedCollisions } from './providers/provided.service.ts';
import { connectionTestServiceFactory } from './secrets/connection-test.service.ts';
import { lastUsedRecorder } from './secrets/last-used.recorder.ts';
import { secretServiceFactory } from './secrets/secret.service.ts';
import { secretStoryServiceFactory } from './secrets/secret-story.service.ts';
import { shareServiceFactory } from './secrets/share.service.ts';
import { useServiceFactory } from './secrets/use.service.ts';
import { environmentServiceFactory } from './spaces/environment.service.ts';
import { spaceServiceFactory } from './spaces/space.service.ts';
import { spaceEnvironmentsFactory } from './spaces/space-environments.ts';
import { spaceKeyServiceFactory } from './spaces/space-key.service.ts';
import { transferServiceFactory } from './transfer/transfer.service.ts';
import type { TresorOverrides } from './tresor-overrides.ts';
import { signingSecretRecords } from './webhooks/signing-secret.seal.ts';
import { webhookDispatcherFactory } from './webhooks/webhook.dispatcher.ts';
import { webhookServiceFactory } from './webhooks/webhook.service.ts';
import { deliveryRuns } from './webhooks/webhook-scheduler.ts';

export { createRegistry } from './credentials/loader.ts';
export type { KeyAdministration } from './crypto/key-administration.ts';

import type { Tresor } from './tresor-api.ts';

export type { Tresor } from './tresor-api.ts';
export type { TresorOverrides } from './tresor-overrides.ts';

export async function createTresor(config: TresorConfig, overrides: TresorOverrides = {}): Promise<Tresor> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  // Slow hooks of credential types (opening keys) run in worker threads, never on the event loop.
  const hookPool = new HookPool({ workers: config.hookWorkers, budgetMs: config.hookBudgetMs, maxQueued: 32 });
  // The embedded data folder is this process's alone (a lock naming the holder) and private (0700).
  const embedded = !overrides.database && !config.databaseUrl;
  const claim = embedded ? claimDataFolder(config.dataDir, { create: overrides.createDataFolder ?? true }) : undefined;
  // The database opens (PGlite compiles its WebAssembly off the main thread) while the
  // credential types load: start-up is the longer of the two, not their sum.
  const opening =
    overrides.database !== undefined
      ? Promise.resolve(overrides.database)
      : openDatabase(
          config.databaseUrl
            ? { kind: 'postgres', url: config.databaseUrl, maxConnections: config.dbMaxConnections }
            : { kind: 'pglite', dataDir: join(config.dataDir, 'pglite'), sharedBuffers: config.embeddedSharedBuffers },
        );
  let registry: CredentialRegistry;
  let database: DatabaseHandle;
  try {
    [registry, database] = await Promise.all([createRegistry(config, hookPool), opening]);
  } catch (error) {
    if (!overrides.database) await opening.then((opened) => opened.close()).catch(() => undefined);
    claim?.release();
    await hookPool.close();
    throw error;
  }
  try {
    await migrate(database);
    // PGlite writes its files with the process's umask (which a worker thread cannot narrow),
    // and the relation cache's init files 0644 whatever it is: private from here on.
    claim?.secure();
    const source =
      overrides.keySource ??
      keySourceFor(
        {
          masterKey: config.masterKey,
          masterKeyFile: config.masterKeyFile,
          embeddedDataDir: database.kind === 'pglite' ? config.dataDir : undefined,
        },
        (message) => logger.warn(message),
      );
    // Changes this node announces go to its own cache at once (read-your-writes), before the notice.
    const announced: { cache?: ReadCache } = {};
    const audit = auditServiceFactory({
      driver: database.driver,
      durability: config.auditDurability,
      // One connection runs one statement at a time: a second batch in flight would only wait
      // behind the first, and halve the batches' size (twice the WAL syncs for the same rows).
      // Each batch's WAL sync blocks the event loop there (Emscripten's file system is synchronous),
      // so no caller can join a batch while one is written: under load a batch waits 1 ms for
      // company (audited reads over HTTP, 8 connections: 800/s → 4,400/s, measured).
      ...(database.driver.kind === 'pglite' ? { maxInFlight: 1, gatherMs: 1 } : {}),
      onAnnounce: (change) => announced.cache?.pending(change),
    });
    const keys = keyServiceFactory({
      db: database.db,
      source,
      audit,
      // Tresor's own sealed records: rotation re-wraps their keys too.
      sealedRecords: [signingSecretRecords, connectionRecords, totpSeedRecords, spaceKeyRecords],
      // A rotation waits three heartbeats for every node to move to the new version before retiring the old.
      // The embedded database belongs to this process alone (its folder is locked): no other node to wait for.
      settleMs: database.kind === 'pglite' ? 0 : config.busHeartbeatMs * 3,
      warn: (message) => logger.warn(message),
    });
    await keys.init();
    const db = database.db;
    // Each space's own key, wrapped by the master key: values are sealed under their space's.
    const spaceKeys = spaceKeysFactory({
      db,
      keys,
      settleMs: database.kind === 'pglite' ? 0 : config.busHeartbeatMs * 3,
    });
    await spaceKeys.ensureAll();
    // Login passwords meet the rule of stored Password secrets (its strength check, off the event loop).
    const loginPasswordRule = loginPasswords(registry);
    const bootstrap = bootstrapServiceFactory({ db, audit, passwords: loginPasswordRule });
    await bootstrap.ensureSystemGroup();
    // The change bus and this node's caches: a change anywhere is seen here at once.
    const bus = createChangeBus(database, {
      name: overrides.nodeName ?? 'tresor-listen',
      ...(config.listenUrl ? { listenUrl: config.listenUrl } : {}),
      heartbeatMs: config.busHeartbeatMs,
      onError: (error) => logger.error({ err: error }, 'change bus'),
    });
    await bus.start();
    // Another node or the CLI rotated: reload the key source (coalesced), wrap with the newest version.
    const reload = coalescedKeyReload(keys, logger);
    bus.onChange((change) => {
      if (change.scope !== 'keys' && change.scope !== 'all') return;
      spaceKeys.forget();
      reload();
    });
    const cache = new ReadCache(bus, { ttlMs: config.cacheTtlMs, maxEntries: config.cacheMaxEntries });
    announced.cache = cache;
    // The gate: built once, handed to every service; the only holder of the payload reader.
    const gate = accessGateFactory({
      db,
      audit,
      cache,
      payloads: payloadReader({ db, keys: spaceKeys, cache, versionsKept: config.versionsKept }),
    });
    const auditLog = auditLogServiceFactory({ db, gate });
    const environments = spaceEnvironmentsFactory({ db, cache });
    const provided = providedServiceFactory({
      providers: [
        ...(config.providerEnv ? [envProvider(config.providerEnv.prefix, config.providerEnv.variables)] : []),
        ...(config.providerFiles ? [fileProvider(config.providerFiles)] : []),
        ...(overrides.providers ?? []),
      ],
      registry,
      gate,
      audit,
      directory: {
        userId: async (email) => (await identityStore.userByEmail(db, email))?.id,
        groupId: async (name) => (await identityStore.groupByName(db, name))?.id,
      },
    });
    const lastUsed = lastUsedRecorder(db, {
      intervalMs: config.lastUsedFlushMs,
      onError: (error) => logger.error({ err: error }, 'could not record last use'),
    });
    const egress = egressPolicy(config.egress);
    const ca = outboundCa(config);
    const oauth2 = oauth2ServiceFactory({
      db,
      driver: database.driver.kind,
      gate,
      audit,
      keys,
      registry,
      egress,
      ca,
      settings: {
        refreshMarginMs: config.oauth2RefreshMarginSeconds * 1000,
        timeoutMs: config.oauth2TimeoutMs,
        publicUrl: config.publicUrl,
      },
      ...(overrides.clock ? { now: overrides.clock } : {}),
    });
    const usage = useServiceFactory({
      ...{ db, registry, gate, lastUsed, audit, provided, connections: oauth2 },
      environments,
      defaultEnvironment: config.environment,
    });
    const secrets = secretServiceFactory({
      db,
      gate,
      audit,
      registry,
      spaceKeys,
      settings: { versionsKept: config.versionsKept },
      // secretRef fields name secrets the saver may use: the use service decides.
      references: async (principal, name) => ({ typeId: (await usage.checkUsable(principal, name)).type.id }),
      cache,
      provided,
      environments,
    });
    await reportProvidedCollisions(provided, db, logger);
    const sessions = sessionServiceFactory({ db, gate, audit, sessionHours: config.sessionHours, cache });
    const groups = groupServiceFactory({ db, gate, audit });
    const moduleContext: ModuleContext = {
      use: (ctor, principal, nameOrId, options) => usage.use(ctor, principal, nameOrId, options),
      findUsable: (ctor, principal) => usage.findUsable(ctor, principal),
      groupPrincipal: async (name) => ({ kind: 'group', id: (await groups.find(name)).id }),
      egress,
      http: credentialHttpFactory({ usage, egress, ca }),
    };
    const tests = connectionTestServiceFactory({
      db,
      gate,
      registry,
      audit,
      environment: { egress, ca, budgetMs: config.testBudgetMs },
      connections: oauth2,
      testsPerMinute: config.testsPerMinute,
    });
    const mail = systemMailer(moduleContext, {
      ...(ca ? { ca } : {}),
      ...(config.mailRelay ? { relay: config.mailRelay } : {}),
    });
    const notices = noticesFactory({
      db,
      gate,
      audit,
      registry,
      logger,
      mail,
      settings: {
        days: config.expiryNoticeDays,
        publicUrl: config.publicUrl,
        checkSeconds: config.expiryCheckSeconds,
      },
    });
    const shares = shareServiceFactory({ db, gate, registry, audit });
    const { users, signIn, host, accounts, factors, passkeys, scim } = identityServices({
      ...{ db, gate, audit, config, ca, sessions, mail, logger, keys, groups, cache },
      loginPasswords: loginPasswordRule,
      locales: () => registry.locales(),
    });
    const spaces = {
      ...spaceServiceFactory({ db, gate, audit, spaceKeys }),
      ...spaceKeyServiceFactory({ db, gate, audit, spaceKeys }),
      ...environmentServiceFactory({ db, gate, audit }),
    };
    const transfer = transferServiceFactory({
      db,
      gate,
      audit,
      registry,
      secrets,
      spaces,
      shares,
      notices,
      directory: {
        userId: async (email) => (await users.findByEmail(email))?.id,
        hasGroup: (name) =>
          groups.find(name).then(
            () => true,
            () => false,
          ),
      },
    });
    const dispatcher = webhookDispatcherFactory({
      db,
      keys,
      egress,
      ca,
      logger,
      settings: { maxAttempts: config.webhookMaxAttempts, timeoutMs: config.webhookTimeoutMs },
    });
    const deliveries = deliveryRuns(dispatcher, { intervalMs: config.webhookPollMs, logger });
    const webhooks = {
      ...webhookServiceFactory({ db, gate, audit, keys, registry, egress, spaceNames: spaces.names }),
      ...deliveries,
    };
    return {
      config,
      logger,
      registry,
      database,
      gate,
      keys: keyAdministrationFactory({ gate, keys }),
      secrets,
      stories: secretStoryServiceFactory({ db, gate, audit }),
      tests,
      shares,
      usage,
      users,
      signIn,
      host,
      accounts,
      factors,
      passkeys,
      scim,
      transfer,
      provided,
      sessions,
      groups,
      spaces,
      moduleContext,
      expressions: expressionServiceFactory({ usage }),
      notices,
      webhooks,
      oauth2,
      audit: { ...audit, ...auditLog },
      refusals: requestRefusalsFactory({ audit }),
      bootstrap,
      lastUsed,
      use: (ctor, principal, nameOrId, options) => usage.use(ctor, principal, nameOrId, options),
      bus,
      cache,
      async close() {
        await notices.stop();
        await deliveries.stop();
        await lastUsed.flush();
        await bus.stop();
        if (!overrides.database) await database.close();
        claim?.release();
        await hookPool.close();
      },
    };
  } catch (error) {
    if (!overrides.database) await database.close().catch(() => {});
    claim?.release();
    await hookPool.close();
    throw error;
  }
}
