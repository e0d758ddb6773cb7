/**
 * Secrets held outside Tresor, through providers:
 * typed with their declared credential type, usable by whom the provider names (the gate's
 * rule for use), audited on every use like stored ones (`secret.used` with `provider`).
 * A provided name is reserved: no stored secret is made with it, and where one had it
 * before the provider did, the provided one is used (and the collision logged). A provided
 * secret whose text does not fit its type is reported with the variable or file to fix,
 * never with a value.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withAuditContext } from '../audit/audit-context.ts';
import type { CredentialRegistry, CredentialType, Payload } from '../credentials/index.ts';
import type { Executor } from '../db/client.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
import { ConfigError, isTresorError, NotFoundError, ValidationError, WrongTypeError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { Logger } from '../logger.ts';
import { secretStore } from '../secrets/secret.store.ts';
import type { SecretMetadata } from '../secrets/secret-metadata.ts';
import type { ProvidedSecret, SecretProvider } from './provider.ts';

/** The key a provider spelled (`SITE_URL`, `site-url`) and the type's (`siteUrl`) compare alike. */
const comparable = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

/** A provided secret as lists show it: where it comes from, its type, which fields it sets (never values). */
export interface ProvidedView {
  provider: string;
  name: string;
  source: string;
  type: string | undefined;
  fields: string[];
  /** What is wrong with it, if anything (it cannot be used until fixed). */
  problem: string | undefined;
}

export function providedServiceFactory({
  providers,
  registry,
  gate,
  audit,
  directory,
}: {
  providers: readonly SecretProvider[];
  registry: Pick<CredentialRegistry, 'find'>;
  gate: Pick<AccessGate, 'mayUseProvided'>;
  audit: Pick<AuditService, 'write'>;
  directory: { userId(email: string): Promise<string | undefined>; groupId(name: string): Promise<string | undefined> };
}) {
  async function all(): Promise<ProvidedSecret[]> {
    return (await Promise.all(providers.map((p) => p.load()))).flat();
  }

  /** The payload the text makes with its type; throws a ConfigError naming where to fix it. */
  function typed(secret: ProvidedSecret): { type: CredentialType; payload: Payload } {
    const where = `${secret.provider} secret "${secret.name}" (${secret.source})`;
    if (secret.problem) throw new ConfigError(`${where}: ${secret.problem}`);
    if (!secret.type) throw new ConfigError(`${where} declares no type (TYPE)`);
    const type = registry.find(secret.type);
    if (!type) throw new ConfigError(`${where} has type "${secret.type}", which Tresor does not know`);
    const fields = type.formModel.fields;
    const input: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(secret.fields)) {
      const field = fields.find((f) => comparable(f.key) === comparable(key));
      if (!field)
        throw new ConfigError(
          `${where}: ${key} is not a field of ${type.definition.name} (fields: ${fields.map((f) => f.key).join(', ')})`,
        );
      input[field.key] =
        field.input === 'number' ? Number(text) : field.input === 'checkbox' ? /^(true|yes|1|on)$/i.test(text) : text;
    }
    try {
      return { type, payload: type.parseCreate(input) };
    } catch (error) {
      // The issues name fields and rules, never the values given (credential-type.ts).
      if (error instanceof ValidationError) throw new ConfigError(`${where}: ${error.message}`);
      throw error;
    }
  }

  async function mayUse(principal: Principal, secret: ProvidedSecret, operation: 'use' | 'view' = 'use') {
    const groups = secret.users.length + secret.groups.length === 0 ? ['system'] : secret.groups;
    const userIds = (await Promise.all(secret.users.map((u) => directory.userId(u)))).filter((id) => id !== undefined);
    const groupIds = (await Promise.all(groups.map((g) => directory.groupId(g)))).filter((id) => id !== undefined);
    return gate.mayUseProvided(principal, { userIds, groupIds }, operation);
  }

  const metadataOf = (secret: ProvidedSecret, type: CredentialType, at: Date): SecretMetadata => ({
    id: `${secret.provider}:${secret.name}`,
    name: secret.name,
    // Held outside any space; its users and groups, not a space's roles, say who may use it.
    spaceId: defaultSpaceId,
    visibility: 'private',
    description: `from ${secret.provider === 'env' ? 'the environment' : 'mounted files'}`,
    type: type.id,
    ownerId: null,
    version: 0,
    createdAt: at,
    createdBy: null,
    updatedAt: at,
    updatedBy: null,
    expiresAt: null,
    lastUsedAt: null,
  });

  const viewOf = (s: ProvidedSecret): ProvidedView => {
    let problem: string | undefined;
    try {
      typed(s);
    } catch (error) {
      problem = isTresorError(error) ? error.message : String(error);
    }
    return {
      provider: s.provider,
      name: s.name,
      source: s.source,
      type: s.type,
      fields: Object.keys(s.fields).sort(),
      problem,
    };
  };

  return {
    /** Whether any provider is configured (a lookup costs nothing otherwise). */
    active: providers.length > 0,

    /** Every provided secret, for whoever administers them (the CLI's local mode, lists). */
    async list(): Promise<ProvidedView[]> {
      return (await all())
        .map(viewOf)
        .sort((a, b) => a.provider.localeCompare(b.provider) || a.name.localeCompare(b.name));
    },

    /**
     * The provided secrets that appear in `principal`'s store: those naming the user (as a
     * direct share would); one named for a group is its members' modules' to use, unseen.
     */
    async visibleTo(principal: Principal): Promise<ProvidedView[]> {
      const out: ProvidedView[] = [];
      for (const s of await all()) if (await mayUse(principal, s, 'view')) out.push(viewOf(s));
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },

    /**
     * The provided secret of this name, read once for the use that asks (a provider that can
     * answer one name reads only that: a file provider one folder, not all of them).
     */
    async lookup(ref: string): Promise<ProvidedSecret | undefined> {
      const name = ref.toLowerCase();
      for (const provider of providers) {
        const found = provider.find ? await provider.find(name) : (await provider.load()).find((s) => s.name === name);
        if (found) return found;
      }
      return undefined;
    },

    /** The provided secrets of a type the principal may use (well-formed ones only), by name. */
    async usableOfType(principal: Principal, typeId: string): Promise<SecretMetadata[]> {
      const out: SecretMetadata[] = [];
      for (const s of await all()) {
        if (s.type !== typeId || !(await mayUse(principal, s))) continue;
        try {
          out.push(metadataOf(s, typed(s).type, new Date(0)));
        } catch {
          // Misconfigured: `list` reports it; it is no candidate.
        }
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },

    /** Whether the principal may use it, and its type, without a use on record (references at save time). */
    async check(
      principal: Principal,
      secret: ProvidedSecret,
    ): Promise<{ metadata: SecretMetadata; type: CredentialType }> {
      if (!(await mayUse(principal, secret))) throw new NotFoundError(`No usable secret "${secret.name}"`);
      const { type } = typed(secret);
      return { metadata: metadataOf(secret, type, new Date()), type };
    },

    /**
     * A use of a provided secret (from `lookup`), audited before the value is handed out. Not
     * allowed looks like not there; a `wanted` type other than its own is refused before the
     * use goes on record, as for a stored secret.
     */
    async use(
      principal: Principal,
      secret: ProvidedSecret,
      options: { module?: string; wanted?: CredentialType } = {},
    ): Promise<{ metadata: SecretMetadata; type: CredentialType; payload: Payload }> {
      if (!(await mayUse(principal, secret))) throw new NotFoundError(`No usable secret "${secret.name}"`);
      const { type, payload } = typed(secret);
      if (options.wanted && options.wanted.id !== type.id)
        throw new WrongTypeError(secret.name, type.definition.name, options.wanted.definition.name);
      const record = () =>
        audit.write({
          actor: principal,
          event: {
            action: 'secret.used',
            target: { id: `${secret.provider}:${secret.name}`, name: secret.name },
            details: { type: type.id, version: 0, provider: secret.provider },
          },
        });
      await (options.module ? withAuditContext({ module: options.module }, record) : record());
      return { metadata: metadataOf(secret, type, new Date()), type, payload };
    },
  };
}

export type ProvidedService = ReturnType<typeof providedServiceFactory>;

/**
 * Logs each provided name that a stored secret also has (made before the provider named it):
 * the provided one is used, and the stored one should be renamed or deleted.
 */
export async function reportProvidedCollisions(
  provided: Pick<ProvidedService, 'active' | 'list'>,
  db: Executor,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  if (!provided.active) return;
  for (const view of await provided.list())
    if (await secretStore.find(db, view.name))
      logger.warn(
        { provider: view.provider, name: view.name, source: view.source },
        `stored secret "${view.name}" has the name of a provided secret: the provided one is used; ` +
          'rename or delete the stored one',
      );
}
