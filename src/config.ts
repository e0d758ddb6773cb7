/**
 * Tresor's configuration, parsed once from the environment with zod and passed down.
 * Services never read `process.env`; errors name the variable to fix and never echo a key.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { parseSignIn, type SignInSettings, signInEnvironment } from './identity/oidc/sign-in-settings.ts';
import { type EgressRules, parseEgressList } from './net/egress-policy.ts';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A PostgreSQL URL, or unset (an empty value counts as unset). */
const postgresUrlSetting = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
  .optional()
  .or(z.literal('').transform(() => undefined));

/** The embedded database's page cache unless TRESOR_EMBEDDED_SHARED_BUFFERS says otherwise. */
export const defaultEmbeddedSharedBuffers = '16MB';

const environmentSchema = z.object({
  DATABASE_URL: postgresUrlSetting,
  TRESOR_LISTEN_URL: postgresUrlSetting,
  TRESOR_BUS_HEARTBEAT_MS: integer(50, 60_000).default(1000),
  TRESOR_DATA_DIR: z.string().min(1).default('./data'),
  TRESOR_EMBEDDED_SHARED_BUFFERS: z
    .string()
    .regex(/^\d{1,6}(kB|MB|GB)$/, 'must be a size PostgreSQL understands, e.g. 16MB or 512kB')
    .default(defaultEmbeddedSharedBuffers),
  TRESOR_MASTER_KEY: z.string().optional(),
  TRESOR_MASTER_KEY_FILE: z.string().optional(),
  TRESOR_VERSIONS_KEPT: integer(1, 1000).default(10),
  TRESOR_DB_MAX_CONNECTIONS: integer(1, 500).default(10),
  TRESOR_PASSWORD_MIN_SCORE: integer(0, 4).default(3),
  TRESOR_TYPES_DIR: z.string().min(1).optional(),
  TRESOR_LOG_LEVEL: z.enum(logLevels).default('info'),
  TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: integer(1, 10_000).default(10),
  TRESOR_SESSION_HOURS: integer(1, 24 * 30).default(12),
  TRESOR_SECOND_FACTOR: z
    .enum(['off', 'administrators', 'everyone'], { error: 'must be off, administrators or everyone' })
    .default('off'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: integer(0, 65535).default(8200),
  TRESOR_TLS_CERT: z.string().optional(),
  TRESOR_TLS_KEY: z.string().optional(),
  TRESOR_PUBLIC_URL: z.url().optional(),
  TRESOR_ENVIRONMENT: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be an environment name: a letter, then letters, digits or hyphens')
    .optional(),
  TRESOR_CACHE_TTL_MS: integer(0, 3_600_000).default(30_000),
  TRESOR_HOOK_WORKERS: integer(1, 64).default(1),
  TRESOR_TRUSTED_PROXIES: z
    .string()
    .default('')
    .refine(
      (s) => s.split(',').every((p) => p.trim() === '' || /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p.trim())),
      'must be a comma-separated list of IP addresses or CIDR ranges, e.g. 10.0.0.5,10.1.0.0/16',
    ),
  TRESOR_HOOK_BUDGET_MS: integer(100, 600_000).default(10_000),
  TRESOR_CACHE_MAX_ENTRIES: integer(100, 10_000_000).default(100_000),
  TRESOR_LAST_USED_FLUSH_MS: integer(10, 3_600_000).default(1000),
  TRESOR_AUDIT_DURABILITY: z.enum(['flush', 'commit']).default('flush'),
  TRESOR_EGRESS_ALLOW: z.string().default(''),
  TRESOR_EGRESS_DENY: z.string().default(''),
  TRESOR_TEST_BUDGET_MS: integer(100, 120_000).default(15_000),
  TRESOR_TESTS_PER_MINUTE: integer(1, 10_000).default(20),
  TRESOR_MAIL_RELAY: z.string().max(64).optional(),
  TRESOR_SCIM_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)')
    .max(500)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TRESOR_OUTBOUND_CA_FILE: z.string().default(''),
  TRESOR_ADMIN_EMAIL: z.string().optional(),
  TRESOR_ADMIN_PASSWORD: z.string().optional(),
  TRESOR_EXPIRY_NOTICE_DAYS: z
    .string()
    .default('30,7,1')
    .refine(
      (s) => s.trim() === '' || s.split(',').every((d) => /^\s*\d{1,4}\s*$/.test(d) && Number(d) >= 1),
      'must be a comma-separated list of whole days of at least 1, e.g. 30,7,1 (empty: only on the day)',
    ),
  TRESOR_EXPIRY_CHECK_SECONDS: integer(0, 86_400).default(3600),
  TRESOR_WEBHOOK_POLL_MS: integer(0, 3_600_000).default(2000),
  TRESOR_WEBHOOK_MAX_ATTEMPTS: integer(1, 100).default(12),
  TRESOR_WEBHOOK_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  TRESOR_OAUTH2_REFRESH_MARGIN_SECONDS: integer(0, 86_400).default(60),
  TRESOR_OAUTH2_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  TRESOR_PROVIDER_ENV: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*_$/, 'must be a prefix of upper-case letters, digits and _ ending in _, e.g. VAULT_')
    .optional(),
  TRESOR_PROVIDER_FILES: z.string().min(1).optional(),
  ...signInEnvironment,
});

export interface TresorConfig {
  /** PostgreSQL URL; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * Where the change bus LISTENs (default: databaseUrl). A direct connection to PostgreSQL
   * when the pool goes through PgBouncer in transaction mode, which cannot LISTEN.
   */
  listenUrl: string | undefined;
  /**
   * How often the change bus sends itself a heartbeat through the database; with none back
   * for three beats it counts as down (caches dropped) even if its connection looks open.
   */
  busHeartbeatMs: number;
  dataDir: string;
  /** The embedded database's page cache (PostgreSQL's shared_buffers), e.g. `16MB`. */
  embeddedSharedBuffers: string;
  masterKey: string | undefined;
  masterKeyFile: string | undefined;
  /** Versions kept per secret, current included; 1 turns history off. */
  versionsKept: number;
  dbMaxConnections: number;
  /** Extra folders of credential types, loaded after the built-in ones. */
  typesDirs: string[];
  passwordMinScore: number;
  logLevel: (typeof logLevels)[number];
  /** Password attempts per client address and account per minute (login, setup, /auth/token). */
  loginAttemptsPerMinute: number;
  sessionHours: number;
  /** Who must have a second factor: nobody, holders of an administration permission, or everyone. */
  secondFactor: 'off' | 'administrators' | 'everyone';
  host: string;
  port: number;
  /** PEM files; both set means HTTPS. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** The address users reach Tresor at (for the setup link); derived from HOST/PORT when unset. */
  publicUrl: string | undefined;
  /** The environment this node's modules use where a use names none (spaces that declare it; others: their value). */
  environment: string | undefined;
  /** How long a node keeps a cached read (0 turns caching off); notices drop entries sooner. */
  cacheTtlMs: number;
  /** Worker threads for credential types' slow checks (opening keys), and the time one check may take. */
  hookWorkers: number;
  hookBudgetMs: number;
  /** Load balancers whose X-Forwarded-For is believed (client addresses for rate limits and the audit trail). */
  trustedProxies: string[];
  cacheMaxEntries: number;
  /** How often coalesced "last used" stamps are written. */
  lastUsedFlushMs: number;
  /**
   * When a use, denial or login may go on: `flush`, once its audit row is flushed to disk;
   * `commit`, once it is committed (PostgreSQL flushes it within three wal_writer_delay).
   * Changes always wait for the flush.
   */
  auditDurability: 'flush' | 'commit';
  /**
   * Where Tresor's own connections may go (connection tests, modules): non-public ranges
   * are refused unless allowed; a deny always wins (src/net/egress-policy.ts).
   */
  egress: EgressRules;
  /** The time a connection test may take (its connections are aborted past it). */
  testBudgetMs: number;
  /** Connection tests of one stored secret one principal may run in a minute (per node). */
  testsPerMinute: number;
  /** The SMTP secret Tresor's own mail (expiry, reconnect notices) goes through; unset: mail.module.ts's rule. */
  mailRelay: string | undefined;
  /** The bearer token the identity provider's SCIM client sends; unset: no /scim/v2 endpoint. */
  scimToken: string | undefined;
  /** Extra CA certificates (PEM file) trusted for Tresor's outgoing TLS; system roots otherwise. */
  outboundCaFile: string | undefined;
  /**
   * Days before a secret's expiry on which its owner and notice recipients are mailed, largest
   * first (a notice also goes out on the day it expires).
   */
  expiryNoticeDays: number[];
  /** How often the server looks for notices due (0: never; `tresor notices run` still does). */
  expiryCheckSeconds: number;
  /**
   * Webhook deliveries: how often the server looks for deliveries due (0: never; `tresor
   * webhooks deliver` still does), attempts before one is given up, and one request's time.
   */
  webhookPollMs: number;
  webhookMaxAttempts: number;
  webhookTimeoutMs: number;
  /** An OAuth2 access token this close to its expiry is refreshed before use; one token request's time. */
  oauth2RefreshMarginSeconds: number;
  oauth2TimeoutMs: number;
  /** Secrets from environment variables with this prefix, and the variables themselves (read at start). */
  providerEnv: { prefix: string; variables: Record<string, string> } | undefined;
  /** Secrets from a folder of files, one folder per secret (Kubernetes-mounted secrets). */
  providerFiles: string | undefined;
  /** The first administrator, created at start when the database has no user yet. */
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /** Single sign-on (OpenID Connect) and whether local passwords still work (identity/oidc/sign-in-settings.ts). */
  signIn: SignInSettings;
}

export function parseConfig(env: Record<string, string | undefined> = process.env): TresorConfig {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(`Environment variable ${variable} is invalid: ${issue.message}`, variable);
  }
  const e = result.data;
  if (Boolean(e.TRESOR_TLS_CERT) !== Boolean(e.TRESOR_TLS_KEY))
    throw new ConfigError(
      'Set both TRESOR_TLS_CERT and TRESOR_TLS_KEY for HTTPS, or neither',
      e.TRESOR_TLS_CERT ? 'TRESOR_TLS_KEY' : 'TRESOR_TLS_CERT',
    );
  const egress = {
    allow: parseEgressList(e.TRESOR_EGRESS_ALLOW, 'TRESOR_EGRESS_ALLOW'),
    deny: parseEgressList(e.TRESOR_EGRESS_DENY, 'TRESOR_EGRESS_DENY'),
  };
  return {
    databaseUrl: e.DATABASE_URL,
    listenUrl: e.TRESOR_LISTEN_URL ?? e.DATABASE_URL,
    busHeartbeatMs: e.TRESOR_BUS_HEARTBEAT_MS,
    dataDir: resolve(e.TRESOR_DATA_DIR),
    embeddedSharedBuffers: e.TRESOR_EMBEDDED_SHARED_BUFFERS,
    masterKey: e.TRESOR_MASTER_KEY || undefined,
    masterKeyFile: e.TRESOR_MASTER_KEY_FILE ? resolve(e.TRESOR_MASTER_KEY_FILE) : undefined,
    versionsKept: e.TRESOR_VERSIONS_KEPT,
    dbMaxConnections: e.TRESOR_DB_MAX_CONNECTIONS,
    typesDirs: e.TRESOR_TYPES_DIR
      ? e.TRESOR_TYPES_DIR.split(':')
          .filter(Boolean)
          .map((d) => resolve(d))
      : [],
    passwordMinScore: e.TRESOR_PASSWORD_MIN_SCORE,
    logLevel: e.TRESOR_LOG_LEVEL,
    lastUsedFlushMs: e.TRESOR_LAST_USED_FLUSH_MS,
    auditDurability: e.TRESOR_AUDIT_DURABILITY,
    cacheTtlMs: e.TRESOR_CACHE_TTL_MS,
    hookWorkers: e.TRESOR_HOOK_WORKERS,
    hookBudgetMs: e.TRESOR_HOOK_BUDGET_MS,
    trustedProxies: e.TRESOR_TRUSTED_PROXIES.split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    cacheMaxEntries: e.TRESOR_CACHE_MAX_ENTRIES,
    loginAttemptsPerMinute: e.TRESOR_LOGIN_ATTEMPTS_PER_MINUTE,
    sessionHours: e.TRESOR_SESSION_HOURS,
    secondFactor: e.TRESOR_SECOND_FACTOR,
    host: e.HOST,
    port: e.PORT,
    tlsCert: e.TRESOR_TLS_CERT || undefined,
    tlsKey: e.TRESOR_TLS_KEY || undefined,
    publicUrl: e.TRESOR_PUBLIC_URL,
    environment: e.TRESOR_ENVIRONMENT,
    egress,
    testBudgetMs: e.TRESOR_TEST_BUDGET_MS,
    testsPerMinute: e.TRESOR_TESTS_PER_MINUTE,
    mailRelay: e.TRESOR_MAIL_RELAY || undefined,
    scimToken: e.TRESOR_SCIM_TOKEN,
    outboundCaFile: e.TRESOR_OUTBOUND_CA_FILE ? resolve(e.TRESOR_OUTBOUND_CA_FILE) : undefined,
    expiryNoticeDays: [
      ...new Set(
        e.TRESOR_EXPIRY_NOTICE_DAYS.split(',')
          .filter((d) => d.trim() !== '')
          .map(Number),
      ),
    ].sort((a, b) => b - a),
    expiryCheckSeconds: e.TRESOR_EXPIRY_CHECK_SECONDS,
    webhookPollMs: e.TRESOR_WEBHOOK_POLL_MS,
    oauth2RefreshMarginSeconds: e.TRESOR_OAUTH2_REFRESH_MARGIN_SECONDS,
    oauth2TimeoutMs: e.TRESOR_OAUTH2_TIMEOUT_MS,
    webhookMaxAttempts: e.TRESOR_WEBHOOK_MAX_ATTEMPTS,
    webhookTimeoutMs: e.TRESOR_WEBHOOK_TIMEOUT_MS,
    providerEnv: e.TRESOR_PROVIDER_ENV
      ? {
          prefix: e.TRESOR_PROVIDER_ENV,
          variables: Object.fromEntries(
            Object.entries(env).filter(
              (entry): entry is [string, string] =>
                entry[0].startsWith(e.TRESOR_PROVIDER_ENV!) && typeof entry[1] === 'string',
            ),
          ),
        }
      : undefined,
    providerFiles: e.TRESOR_PROVIDER_FILES ? resolve(e.TRESOR_PROVIDER_FILES) : undefined,
    adminEmail: e.TRESOR_ADMIN_EMAIL || undefined,
    adminPassword: e.TRESOR_ADMIN_PASSWORD || undefined,
    signIn: parseSignIn(e),
  };
}
