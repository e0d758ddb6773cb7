/**
 * OAuth2 connections: connect once, tokens kept fresh, never shown.
 *
 * - **Connect** (`begin`, `complete`: connect-flow.ts): a person who may change the secret
 *   grants it at the authorization server; what the code is exchanged for is stored here,
 *   sealed, beside the secret (oauth2_connections), audited.
 * - **Fresh tokens** (`fresh`, called by use()): an access token about to expire
 *   (TRESOR_OAUTH2_REFRESH_MARGIN_SECONDS) is refreshed first, once across every node: on
 *   PostgreSQL under the connection row's lock, held through the request; a node that waited
 *   finds the generation moved and uses the new tokens. The new tokens (with a rotated refresh
 *   token) commit before anyone is handed the new access token, so a crash never leaves the
 *   store holding only a refresh token the server has already replaced. Client-credentials
 *   types get their token the same way, on first use.
 * - **Needs reconnect**: a refresh refused with `invalid_grant` marks the connection, and
 *   uses fail with RECONNECT_REQUIRED until someone connects again. A server that is down
 *   does not: an access token still valid is used, else the use fails as upstream.
 * Nothing of a token reaches a response, a page, a log line or an audit row.
 */
import type { AccessGate, SecretGrant } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { CredentialRegistry, CredentialType, FreshToken, Payload, TestCheck } from '../credentials/index.ts';
import { failed, passed } from '../credentials/index.ts';
import type { KeyService } from '../crypto/key.service.ts';
import { openRecord, sealRecord } from '../crypto/sealed-record.ts';
import type { Database, Executor } from '../db/client.ts';
import { ReconnectRequiredError, ValidationError } from '../errors.ts';
import { type Principal, systemPrincipal } from '../identity/principal.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import { connectFlowFactory } from './connect-flow.ts';
import type { ConnectionView } from './connection-view.ts';
import { type ConnectionRow, oauth2Store } from './oauth2.store.ts';
import { type ClientFields, clientCredentialsParameters, clientOf, fingerprintOf } from './oauth2-client.ts';
import { requestToken, type TokenAnswer, TokenRefusedError } from './token-endpoint.ts';

interface Tokens {
  accessToken: string;
  tokenType: string;
  refreshToken: string | undefined;
}

const purpose = 'tresor/oauth2-connection';

export interface OAuth2Settings {
  /** An access token this close to its expiry is refreshed before it is handed out. */
  refreshMarginMs: number;
  timeoutMs: number;
  /** TRESOR_PUBLIC_URL: when set, the only origin a redirect URI may have. */
  publicUrl: string | undefined;
}

export function oauth2ServiceFactory({
  db,
  driver,
  gate,
  audit,
  keys,
  registry,
  egress,
  ca,
  settings,
  now = () => new Date(),
}: {
  db: Database;
  /** PGlite is one process and one connection: no row lock is held through a request there. */
  driver: 'pglite' | 'postgres';
  gate: Pick<AccessGate, 'check' | 'open'>;
  audit: Pick<AuditService, 'appendInTx'>;
  keys: Pick<KeyService, 'sealingRing' | 'ringFor'>;
  registry: Pick<CredentialRegistry, 'get'>;
  egress: EgressPolicy;
  ca: string | undefined;
  settings: OAuth2Settings;
  now?: () => Date;
}) {
  const environment = { egress, ca, timeoutMs: settings.timeoutMs };
  /** Refreshes under way on this node, by secret: callers on one node share one request. */
  const refreshing = new Map<string, Promise<FreshToken>>();

  function oauth2TypeOf(grant: SecretGrant): CredentialType {
    const type = registry.get(grant.row.typeId);
    if (!type.connects) throw ValidationError.field('type', `Secret "${grant.row.name}" is not an OAuth2 credential`);
    return type;
  }

  async function tokensOf(row: ConnectionRow): Promise<Tokens> {
    const text = openRecord(
      await keys.ringFor(row.kekVersion),
      { id: row.secretId, generation: row.generation, purpose },
      { sealed: row.sealed, dataKey: row.dataKey, kekVersion: row.kekVersion },
    );
    return JSON.parse(text) as Tokens;
  }

  const freshOf = (tokens: Tokens, row: Pick<ConnectionRow, 'accessExpiresAt'>): FreshToken => ({
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresAt: row.accessExpiresAt ?? undefined,
  });

  const expired = (row: ConnectionRow) => row.accessExpiresAt !== null && row.accessExpiresAt <= now();
  const stale = (row: ConnectionRow) =>
    row.accessExpiresAt !== null && row.accessExpiresAt.getTime() - settings.refreshMarginMs <= now().getTime();

  /** Stores tokens as the secret's connection, sealed for their generation. */
  async function store(
    tx: Executor,
    secretId: string,
    client: ClientFields,
    tokens: Tokens,
    meta: Pick<
      ConnectionRow,
      'generation' | 'scopes' | 'account' | 'accessExpiresAt' | 'connectedAt' | 'connectedBy' | 'refreshedAt'
    >,
  ): Promise<ConnectionRow> {
    const sealed = sealRecord(
      await keys.sealingRing(),
      { id: secretId, generation: meta.generation, purpose },
      JSON.stringify(tokens),
    );
    const row: ConnectionRow = {
      secretId,
      status: 'connected',
      ...sealed,
      fingerprint: fingerprintOf(client),
      ...meta,
      noticeClaimedUntil: null,
      noticeSentAt: null,
    };
    await oauth2Store.save(tx, row);
    return row;
  }

  const expiryOf = (answer: TokenAnswer, at: Date) =>
    answer.expiresIn === undefined ? null : new Date(at.getTime() + answer.expiresIn * 1000);

  type Event = Parameters<AuditService['appendInTx']>[1][number]['event'];
  const record = (tx: Executor, actor: Principal, event: Event) => audit.appendInTx(tx, [{ actor, event }]);

  /**
   * One refresh (or, for client credentials, one new token) of `secret`'s connection, under
   * the connection's lock where nodes share the database. `seen` is the generation the caller
   * found stale: if the lock's holder before us moved it, its tokens are used as they are.
   */
  async function renew(
    secret: { id: string; name: string },
    client: ClientFields,
    seen: number | undefined,
  ): Promise<FreshToken> {
    // `read` sees the connection (locked on PostgreSQL), `write` stores what changed: on PostgreSQL both
    // are the one transaction that holds the row's lock through the request; on PGlite (one process,
    // one connection) no transaction may span a request — it would stall every other query — so the
    // request runs outside and only the write is a transaction (this process's refreshes are one per secret).
    const attempt = async (
      read: Executor,
      write: <T>(fn: (tx: Executor) => Promise<T>) => Promise<T>,
    ): Promise<FreshToken> => {
      const row = await oauth2Store.connection(read, secret.id, { lock: driver === 'postgres' });
      // Another refresher held the lock before us: its tokens are as fresh as tokens get.
      const fingerprint = fingerprintOf(client);
      if (
        row &&
        row.generation !== seen &&
        row.fingerprint === fingerprint &&
        row.status === 'connected' &&
        !expired(row)
      )
        return freshOf(await tokensOf(row), row);
      if (client.grant === 'authorization_code') {
        if (!row || row.fingerprint !== fingerprint)
          throw new ReconnectRequiredError(secret.name, 'is not connected to its authorization server');
        if (row.status !== 'connected')
          throw new ReconnectRequiredError(secret.name, 'lost its grant (the server refused its refresh token)');
      }
      const held = row && row.fingerprint === fingerprint ? await tokensOf(row) : undefined;
      let answer: TokenAnswer;
      try {
        answer =
          client.grant === 'client_credentials'
            ? await requestToken(client, clientCredentialsParameters(client), environment)
            : await requestToken(
                client,
                { grant_type: 'refresh_token', refresh_token: held?.refreshToken ?? '' },
                environment,
              );
      } catch (error) {
        if (error instanceof TokenRefusedError && error.oauthError === 'invalid_grant' && row) {
          await write(async (tx) => {
            await oauth2Store.markNeedsReconnect(tx, secret.id);
            await record(tx, systemPrincipal, {
              action: 'secret.oauth2_reconnect_needed',
              target: secret,
              details: { error: error.oauthError },
            });
          });
          throw new ReconnectRequiredError(secret.name, 'lost its grant (the server refused its refresh token)');
        }
        // The server is down or refused otherwise: a token that has not expired yet still serves.
        if (held && row && row.status === 'connected' && (row.accessExpiresAt ?? now()) > now())
          return freshOf(held, row);
        throw error;
      }
      const at = now();
      const kept = row && row.fingerprint === fingerprint ? row : undefined;
      const saved = await write(async (tx) => {
        const stored = await store(
          tx,
          secret.id,
          client,
          // A server that does not rotate refresh tokens answers none on refresh: the one held stays valid.
          {
            accessToken: answer.accessToken,
            tokenType: answer.tokenType,
            refreshToken: answer.refreshToken ?? held?.refreshToken,
          },
          {
            generation: (row?.generation ?? 0) + 1,
            scopes: answer.scope ?? kept?.scopes ?? client.scopes ?? '',
            account: answer.account ?? kept?.account ?? null,
            accessExpiresAt: expiryOf(answer, at),
            connectedAt: kept?.connectedAt ?? at,
            connectedBy: kept?.connectedBy ?? null,
            refreshedAt: at,
          },
        );
        await record(tx, systemPrincipal, {
          action: 'secret.oauth2_refreshed',
          target: secret,
          details: { grant: client.grant, generation: stored.generation, rotated: answer.refreshToken !== undefined },
        });
        return stored;
      });
      return freshOf(await tokensOf(saved), saved);
    };
    if (driver === 'pglite') return attempt(db, (fn) => db.transaction(fn));
    // PostgreSQL: a needs-reconnect mark must commit although the use fails (the transaction ends, then the error).
    let failure: unknown;
    const result = await db.transaction(async (tx) => {
      try {
        return await attempt(tx, (fn) => fn(tx));
      } catch (error) {
        if (error instanceof ReconnectRequiredError) {
          failure = error;
          return undefined;
        }
        throw error;
      }
    });
    if (failure || !result) throw failure;
    return result;
  }

  /** Stores a grant a person just connected (the previous connection replaced whole), audited. */
  async function connected(
    principal: Principal & { kind: 'user' },
    secret: { id: string; name: string },
    client: ClientFields,
    answer: TokenAnswer,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      const previous = await oauth2Store.connection(tx, secret.id, { lock: true });
      // A new grant replaces the old one whole: nothing of the previous connection is kept.
      const at = now();
      const saved = await store(
        tx,
        secret.id,
        client,
        { accessToken: answer.accessToken, tokenType: answer.tokenType, refreshToken: answer.refreshToken },
        {
          generation: (previous?.generation ?? 0) + 1,
          scopes: answer.scope ?? client.scopes ?? '',
          account: answer.account ?? null,
          accessExpiresAt: expiryOf(answer, at),
          connectedAt: at,
          connectedBy: principal.id,
          refreshedAt: null,
        },
      );
      await record(tx, principal, {
        action: 'secret.oauth2_connected',
        target: secret,
        details: {
          grant: client.grant,
          scopes: saved.scopes.split(' ').filter(Boolean).length,
          // The owner reads on the secret's story when its modules now act as another account.
          accountChanged: previous?.account != null && previous.account !== (answer.account ?? null),
        },
      });
    });
  }

  const connectFlow = connectFlowFactory({
    db,
    gate,
    environment,
    publicUrl: settings.publicUrl,
    now,
    typeOf: oauth2TypeOf,
    connected,
  });

  return {
    /**
     * A valid access token for a secret being used (the caller holds a use grant and has
     * recorded the use): the stored one, or a new one when it is about to expire.
     */
    async fresh(secret: { id: string; name: string }, payload: Payload): Promise<FreshToken> {
      const client = clientOf(payload);
      const row = await oauth2Store.connection(db, secret.id);
      const fingerprint = fingerprintOf(client);
      if (client.grant === 'authorization_code') {
        if (!row || row.fingerprint !== fingerprint)
          throw new ReconnectRequiredError(secret.name, 'is not connected to its authorization server');
        if (row.status !== 'connected')
          throw new ReconnectRequiredError(secret.name, 'lost its grant (the server refused its refresh token)');
      }
      if (row && row.fingerprint === fingerprint && row.status === 'connected' && !stale(row))
        return freshOf(await tokensOf(row), row);
      const key = secret.id;
      let running = refreshing.get(key);
      if (!running) {
        running = renew(secret, client, row?.generation).finally(() => refreshing.delete(key));
        refreshing.set(key, running);
      }
      return running;
    },

    /**
     * The connection of a secret the principal may read, as a status (never a token): like its
     * non-secret fields, for its owner, a user it is shared with, and whoever administers every
     * secret (its page shows it to them all). `fields` are its non-secret fields as the caller
     * read them (the grant, client and URLs decide whether the stored connection still
     * applies); without them the stored state is told.
     */
    async status(principal: Principal, ref: string, fields?: Record<string, unknown>): Promise<ConnectionView> {
      const grant = await gate.check(principal, ref, 'read');
      oauth2TypeOf(grant);
      const row = await oauth2Store.connection(db, grant.row.id);
      const client = fields ? clientOf(fields as Payload) : undefined;
      const current = row !== undefined && (!client || row.fingerprint === fingerprintOf(client));
      return {
        status: !current ? 'not-connected' : row.status === 'connected' ? 'connected' : 'needs-reconnect',
        grant: client?.grant ?? 'authorization_code',
        scopes: current ? row.scopes : '',
        account: (current && row.account) || undefined,
        accessExpiresAt: (current && row.accessExpiresAt) || undefined,
        connectedAt: current ? row.connectedAt : undefined,
        refreshedAt: (current && row.refreshedAt) || undefined,
      };
    },

    /** The connection as a connection test's check: failed when a module would be refused the secret. */
    async connectionCheck(secretId: string, payload: Payload): Promise<TestCheck> {
      const client = clientOf(payload);
      const row = await oauth2Store.connection(db, secretId);
      const current = row !== undefined && row.fingerprint === fingerprintOf(client);
      if (current && row.status === 'connected')
        return passed(
          'Connected',
          row.accessExpiresAt ? `Access token valid until ${row.accessExpiresAt.toISOString()}` : 'Connected',
        );
      if (current) return failed('Connected', 'Needs reconnect: the server refused the refresh token; connect again');
      if (client.grant === 'client_credentials') return passed('Connected', 'The client gets its token on first use');
      return failed('Connected', 'Not connected: connect it on its page (Connect)');
    },

    /** Statuses of a page of secrets (the store marks those that need a reconnect). */
    statuses: (secretIds: readonly string[]) => oauth2Store.statuses(db, secretIds),

    ...connectFlow,

    /** Forgets the secret's connection (its tokens are gone; the server's grant is not revoked). */
    async disconnect(principal: Principal, ref: string): Promise<void> {
      const grant = await gate.check(principal, ref, 'update');
      oauth2TypeOf(grant);
      await db.transaction(async (tx) => {
        if (await oauth2Store.remove(tx, grant.row.id))
          await record(tx, principal, {
            action: 'secret.oauth2_disconnected',
            target: { id: grant.row.id, name: grant.row.name },
            details: {},
          });
      });
    },
  };
}

export type OAuth2Service = ReturnType<typeof oauth2ServiceFactory>;
