/**
 * How modules consume credentials: `use(Type, principal, nameOrId)` returns a typed,
 * decrypted instance when the access gate allows the use (owned, shared directly, or shared
 * with a group the principal stands in). Unknown and not-allowed look the same to the
 * caller; wrong type and expired are errors of their own. Each use is audited before the
 * value is handed out, and stamps "last used" (coalesced).
 */
import type { AccessGate, SecretGrant } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withAuditContext } from '../audit/audit-context.ts';
import type {
  Connections,
  CredentialClass,
  CredentialRegistry,
  CredentialType,
  FreshToken,
  Payload,
} from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { ExpiredError, WrongTypeError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { ProvidedService } from '../providers/provided.service.ts';
import type { SpaceEnvironments } from '../spaces/space-environments.ts';
import type { LastUsedRecorder } from './last-used.recorder.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import { notSetIn } from './secret-environments.ts';
import { metadataOf, type SecretMetadata } from './secret-metadata.ts';

export interface UseOptions {
  /** The consuming module, for the audit trail (e.g. "mail"). */
  module?: string;
  /**
   * Whose value: one of the secret's space's environments (omitted: the node's `TRESOR_ENVIRONMENT`, else the
   * space's default). A space without environments has one value for every environment.
   */
  environment?: string;
}

export interface Used<T extends object> {
  metadata: SecretMetadata;
  value: T;
}

export interface UseServiceDeps {
  /** Secrets held outside Tresor (src/providers): used when no stored secret has the name. */
  provided?: Pick<ProvidedService, 'active' | 'lookup' | 'use' | 'check' | 'usableOfType'>;
  db: Database;
  registry: CredentialRegistry;
  gate: Pick<AccessGate, 'check' | 'openEnvironment' | 'usable'>;
  lastUsed: LastUsedRecorder;
  audit: Pick<AuditService, 'write'>;
  /** OAuth2 types: a fresh access token with every use (src/oauth2). */
  connections?: Pick<Connections, 'fresh'>;
  environments: Pick<SpaceEnvironments, 'laneOf'>;
  /** The environment a use that names none asks for (`TRESOR_ENVIRONMENT`). */
  defaultEnvironment?: string | undefined;
}

const noEnvironment = { lane: '', environment: undefined };

function refuseExpired(row: SecretRow): void {
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw new ExpiredError(row.name, row.expiresAt);
}

/** What an OAuth2 instance carries besides its fields (oauth2.credential.ts). */
const tokenFields = (token: FreshToken) => ({
  accessToken: token.accessToken,
  tokenType: token.tokenType,
  ...(token.expiresAt ? { tokenExpiresAt: token.expiresAt } : {}),
});

export function useServiceFactory(deps: UseServiceDeps) {
  const { db, registry, gate, lastUsed, audit, provided, connections, environments, defaultEnvironment } = deps;
  /**
   * The provided secret of this name, if a provider holds it. Provided names are reserved
   * (no stored secret can be made with one), and where a stored secret had the name before
   * the provider did, the provided one is used: the operator's configuration decides (the
   * collision is reported at start).
   */
  const providedFor = async (ref: string) => (provided?.active ? provided.lookup(ref) : undefined);

  /** Opens a granted row: refuses it when expired, records the use and stamps it. */
  async function consume(
    grant: SecretGrant,
    principal: Principal,
    options: UseOptions,
  ): Promise<{ metadata: SecretMetadata; type: CredentialType; payload: Payload; token?: FreshToken }> {
    const { row } = grant;
    refuseExpired(row);
    // Not naming an environment costs nothing: the secret's own value (the space's default environment's).
    const asked = options.environment ?? defaultEnvironment;
    const { lane, environment } = asked ? await environments.laneOf(row.spaceId, asked, 'use') : noEnvironment;
    const opened = await gate.openEnvironment(db, grant, lane);
    if (!opened) throw notSetIn(row.name, environment);
    const { payload, version } = opened;
    // Fail closed: the value is handed out only once its use is on record.
    const record = () =>
      audit.write({
        actor: principal,
        event: {
          action: 'secret.used',
          target: { id: row.id, name: row.name },
          details: { type: row.typeId, version, ...(environment ? { environment } : {}) },
        },
      });
    await (options.module ? withAuditContext({ module: options.module }, record) : record());
    lastUsed.record(row.id);
    const type = registry.get(row.typeId);
    // An OAuth2 secret is used for its access token: fresh, refreshed first when about to expire.
    const token =
      connections && type.connects ? await connections.fresh({ id: row.id, name: row.name }, payload) : undefined;
    return { metadata: metadataOf(row), type, payload, ...(token ? { token } : {}) };
  }

  return {
    /** The opened payload of a secret the principal may use, whatever its type (for expressions). */
    async useAny(principal: Principal, ref: string, options: UseOptions = {}) {
      const found = await providedFor(ref);
      if (found) return provided!.use(principal, found, options);
      const used = await consume(await gate.check(principal, ref, 'use'), principal, options);
      // Expressions may name the token: {{ secret('github').accessToken }}.
      return used.token ? { ...used, payload: { ...used.payload, accessToken: used.token.accessToken } } : used;
    },

    async use<T extends object>(
      ctor: CredentialClass<T>,
      principal: Principal,
      ref: string,
      options: UseOptions = {},
    ): Promise<Used<T>> {
      const wanted = registry.of(ctor);
      const found = await providedFor(ref);
      if (found) {
        const used = await provided!.use(principal, found, { ...options, wanted });
        return { metadata: used.metadata, value: wanted.hydrate(used.payload) };
      }
      const grant = await gate.check(principal, ref, 'use');
      if (grant.row.typeId !== wanted.id)
        throw new WrongTypeError(
          grant.row.name,
          registry.find(grant.row.typeId)?.definition.name ?? grant.row.typeId,
          wanted.definition.name,
        );
      const opened = await consume(grant, principal, options);
      const value = wanted.hydrate(opened.payload);
      if (opened.token) Object.assign(value, tokenFields(opened.token));
      return { metadata: opened.metadata, value };
    },

    /**
     * Whether the principal may use the secret (access, expiry), without opening it or
     * recording a use: for checking references at save time.
     */
    async checkUsable(principal: Principal, ref: string): Promise<{ metadata: SecretMetadata; type: CredentialType }> {
      const found = await providedFor(ref);
      if (found) return provided!.check(principal, found);
      const { row } = await gate.check(principal, ref, 'use');
      refuseExpired(row);
      return { metadata: metadataOf(row), type: registry.get(row.typeId) };
    },

    /** What the principal's modules may use, of one type: unexpired, by name. */
    /**
     * Every secret of the class's type the principal may use: provided ones first (the
     * operator's configuration, and their names win), then stored ones, oldest first — so a
     * module that takes the first keeps the one it had when another is added.
     */
    async findUsable<T extends object>(ctor: CredentialClass<T>, principal: Principal): Promise<SecretMetadata[]> {
      const typeId = registry.of(ctor).id;
      const fromProviders = provided?.active ? await provided.usableOfType(principal, typeId) : [];
      const names = new Set(fromProviders.map((p) => p.name.toLowerCase()));
      const stored = (await this.usableOfType(principal, typeId))
        .filter((s) => !names.has(s.name.toLowerCase()))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
      return [...fromProviders, ...stored];
    },

    /** The same by type id: what a `secretRef` field may name (the form's picker offers these). */
    async usableOfType(principal: Principal, typeId: string, text?: string): Promise<SecretMetadata[]> {
      const usable = await gate.usable(principal);
      if (!usable) return [];
      const rows = await secretStore.list(
        db,
        { typeId, unexpired: true, access: usable.access, ...(text ? { text } : {}) },
        { limit: 500 },
      );
      return rows.map(metadataOf);
    },
  };
}

export type UseService = ReturnType<typeof useServiceFactory>;
