/**
 * The secret service: the one place where secrets are created, changed, versioned, rolled
 * back and deleted. The UI, the API, the CLI and modules all call it. Every call names its
 * principal and passes the access policy (`secret-access.policy.ts`) before it touches anything.
 *
 * Invariants kept here: versions are dense from 1; an update that changes nothing writes
 * nothing; concurrent writers queue on the secret's row lock and a stale expected version
 * is refused; a failed call changes nothing (one transaction per call).
 */
import { randomUUID } from 'node:crypto';
import type { CredentialRegistry, CredentialType, Payload } from '../credentials/index.ts';
import { openPayload, openPayloadWith, sealPayload, unwrapDataKey } from '../crypto/envelope.ts';
import type { KeyService } from '../crypto/key.service.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { AccessDeniedError, ConflictError, NotFoundError, ValidationError, VersionConflictError } from '../errors.ts';
import { holds, resolvePrincipal } from '../identity/access.resolver.ts';
import { identityStore } from '../identity/identity.store.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import { parseField } from '../validation.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import { authorize, factsOf } from './secret-access.ts';
import { decide, type SecretOperation, secretOperations } from './secret-access.policy.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { auditingDenials } from '../audit/denials.ts';
import { canonicalJson } from './canonical-json.ts';
import { metadataOf, type SecretDetail, type SecretMetadata, type VersionInfo } from './secret-metadata.ts';
import { descriptionSchema, reasonSchema, secretNameSchema } from './secret-rules.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import { shareStore } from './share.store.ts';
import type { CreateSecretInput, ListOptions, OpenedSecret, ReferenceChecker, UpdateResult, UpdateSecretInput } from './secret-inputs.ts';
import { referenceChecks } from './secret-references.ts';

export type { CreateSecretInput, ListOptions, OpenedSecret, ReferenceChecker, UpdateResult, UpdateSecretInput } from './secret-inputs.ts';

export interface SecretServiceDeps {
  db: Database;
  /** The node's read cache (plain reads only; changes always read the database). */
  cache?: ReadCache;
  /** Checks secretRef fields at save time; set once the use service exists. */
  references?: { check?: ReferenceChecker };
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  registry: CredentialRegistry;
  keys: Pick<KeyService, 'ring' | 'ringFor'>;
  settings: { versionsKept: number };
}

/** Field errors of a payload are reported under `fields.`, as the API body nests them. */
function underFields(error: unknown): never {
  if (error instanceof ValidationError) throw new ValidationError(error.issues.map((i) => ({ path: i.path ? `fields.${i.path}` : 'fields', message: i.message })), error.message.split(':')[0]);
  throw error;
}

export function secretServiceFactory({ db, audit, registry, keys, settings, references = {}, cache }: SecretServiceDeps) {
  const cached = cache ? { cache } : {};
  const guarded = <T>(principal: Principal, operation: string, ref: string, fn: () => Promise<T>) => auditingDenials(audit, principal, operation, ref, fn);
  const serialise = (payload: Payload) => Buffer.from(JSON.stringify(payload), 'utf8');

  function typeOf(row: SecretRow): CredentialType {
    return registry.get(row.typeId);
  }

  async function unwrapped(tx: Executor, secretId: string, version: number): Promise<{ payload: Buffer; dataKey: Buffer } | undefined> {
    const sealed = await secretStore.version(tx, secretId, version);
    if (!sealed) return undefined;
    return { payload: sealed.payload, dataKey: unwrapDataKey(await keys.ringFor(sealed.kekVersion), sealed, { secretId, version }) };
  }

  async function readPayload(tx: Executor, row: SecretRow, version = row.version): Promise<Payload> {
    // Sealed rows are immutable but for re-wrapping and deletion, both announced; outside a change they may come from the cache.
    const context = { secretId: row.id, version, typeId: row.typeId };
    const missing = () => new NotFoundError(`Version ${version} of secret "${row.name}" no longer exists (only the last ${settings.versionsKept} are kept)`);
    let plaintext: Buffer;
    if (cache && tx === db) {
      // The cache keeps the sealed row with its data key unwrapped (in memory only), so a warm use skips the unwrap.
      const unsealed = await cache.through('sealed', `${row.id}|${version}`, () => unwrapped(tx, row.id, version), () => row.id);
      if (!unsealed) throw missing();
      plaintext = openPayloadWith(unsealed.dataKey, unsealed.payload, context);
    } else {
      const sealed = await secretStore.version(tx, row.id, version);
      if (!sealed) throw missing();
      plaintext = openPayload(await keys.ringFor(sealed.kekVersion), sealed, context);
    }
    return JSON.parse(plaintext.toString('utf8')) as Payload;
  }

  async function writeVersion(tx: Executor, row: SecretRow, version: number, payload: Payload, principal: Principal, reason: string): Promise<void> {
    const sealed = sealPayload(keys.ring(), serialise(payload), { secretId: row.id, version, typeId: row.typeId });
    await secretStore.insertVersion(tx, { secretId: row.id, version, ...sealed, createdBy: actingUserId(principal), reason });
    if (version > settings.versionsKept) await secretStore.prune(tx, row.id, version - settings.versionsKept + 1);
  }

  const checkReferences = referenceChecks(registry, references);
  const hasReferenceFields = registry.list().some((t) => t.definition.fields.some((f) => f.style === 'secretRef'));

  function checkExpected(row: SecretRow, expected: number | undefined): void {
    if (expected !== undefined && expected !== row.version) throw new VersionConflictError(expected, row.version);
  }

  return {
    async create(principal: Principal, input: CreateSecretInput): Promise<SecretMetadata> {
      const name = parseField(secretNameSchema, input.name, 'name');
      const description = parseField(descriptionSchema, input.description ?? '', 'description');
      const type = registry.find(typeof input.type === 'string' ? input.type : '');
      if (!type) throw ValidationError.field('type', `Type must be one of: ${registry.list().map((t) => t.id).join(', ')}`);
      let payload: Payload;
      try {
        payload = type.parseCreate(input.fields);
      } catch (error) {
        underFields(error);
      }
      await checkReferences(principal, type, payload);
      const facts = await resolvePrincipal(db, principal);
      if (!holds(facts, 'SECRET_MANAGEMENT_CREATE') || principal.kind === 'group') {
        await audit.write({ actor: principal, outcome: 'denied', event: { action: 'access.denied', target: { id: null, name }, details: { operation: 'create' } } });
        throw new AccessDeniedError('Creating secrets needs the SECRET_MANAGEMENT_CREATE permission');
      }
      const rule = type.definition.sharing;
      const requiredGroup = rule ? await identityStore.groupByName(db, rule.requiredGroup) : undefined;
      if (rule && !requiredGroup) throw new ConflictError(`${type.definition.name} secrets must be shared with group "${rule.requiredGroup}", which does not exist`);
      if (rule?.creatorMustBelong && !facts.isSystem && !facts.groupIds.has(requiredGroup!.id)) {
        throw new AccessDeniedError(`Only members of group "${rule.requiredGroup}" may create ${type.definition.name} secrets`);
      }
      const userId = actingUserId(principal);
      const row: SecretRow = {
        id: randomUUID(),
        name,
        description,
        typeId: type.id,
        ownerId: userId,
        version: 1,
        createdAt: new Date(),
        createdBy: userId,
        updatedAt: new Date(),
        updatedBy: userId,
        expiresAt: type.expiresAt(payload) ?? input.expiresAt ?? null,
        lastUsedAt: null,
      };
      try {
        await db.transaction(async (tx) => {
          await secretStore.insert(tx, row);
          await writeVersion(tx, row, 1, payload, principal, 'created');
          // The type's sharing rule holds from the first moment.
          if (requiredGroup) await shareStore.insert(tx, { secretId: row.id, groupId: requiredGroup.id, createdBy: userId });
          await audit.appendInTx(tx, [
            { actor: principal, event: { action: 'secret.created', target: { id: row.id, name }, details: { type: type.id, version: 1 } } },
            ...(requiredGroup ? [{ actor: principal, event: { action: 'secret.shared' as const, target: { id: row.id, name }, details: { recipientKind: 'group' as const, recipientId: requiredGroup.id, recipient: requiredGroup.name } } }] : []),
          ]);
        });
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation) throw new ConflictError(`A secret named "${name}" already exists`, 'name');
        throw error;
      }
      return metadataOf(row);
    },

    async get(principal: Principal, ref: string): Promise<SecretMetadata> {
      return guarded(principal, 'read', ref, async () => metadataOf((await authorize(db, principal, ref, 'read', cached)).row));
    },

    /** Metadata, non-secret fields and derived facts. */
    async describe(principal: Principal, ref: string): Promise<SecretDetail> {
      const { row } = await guarded(principal, 'read', ref, () => authorize(db, principal, ref, 'read', cached));
      const type = typeOf(row);
      const payload = await readPayload(db, row);
      return { ...metadataOf(row), fields: type.publicFields(payload), facts: type.facts(payload) };
    },

    /** The principal's store (owned plus shared with them directly), or with `all` every secret. */
    async list(principal: Principal, options: ListOptions = {}): Promise<SecretMetadata[]> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
      const facts = await factsOf(db, principal, cache);
      if (!facts.active || principal.kind === 'group') return [];
      const everything = facts.isSystem || (options.all === true && facts.permissions.has('SECRET_MANAGEMENT'));
      if (options.all && !everything) throw new AccessDeniedError('Listing every secret needs the SECRET_MANAGEMENT permission');
      const { all: _all, limit: _limit, after, ...filter } = options;
      const query = { ...filter, ...(everything ? {} : { visibleTo: facts.userId! }) };
      const page = { limit, ...(after === undefined ? {} : { afterName: after }) };
      const load = () => secretStore.list(db, query, page);
      const rows = cache ? await cache.through('lists', JSON.stringify([query, page]), load) : await load();
      return rows.map(metadataOf);
    },

    async update(principal: Principal, ref: string, input: UpdateSecretInput): Promise<UpdateResult> {
      const description = input.description === undefined ? undefined : parseField(descriptionSchema, input.description, 'description');
      const reason = parseField(reasonSchema, input.reason ?? 'updated', 'reason');
      // References are checked before the transaction: the check reads (and may audit) on its own.
      // Only types with a secretRef field need it, so most updates skip the extra read.
      const existing = hasReferenceFields && input.fields ? await secretStore.find(db, ref) : undefined;
      if (existing && input.fields && typeof input.fields === 'object') await checkReferences(principal, typeOf(existing), input.fields as Record<string, unknown>);
      return guarded(principal, 'update', ref, () => db.transaction(async (tx) => {
        const { row } = await authorize(tx, principal, ref, 'update', { lock: true });
        checkExpected(row, input.expectedVersion);
        const type = typeOf(row);
        const current = await readPayload(tx, row);
        let next = current;
        if (input.fields !== undefined) {
          const fields = input.merge && input.fields !== null && typeof input.fields === 'object' && !Array.isArray(input.fields) ? { ...type.publicFields(current), ...(input.fields as object) } : input.fields;
          try {
            next = type.parseUpdate(fields, current);
          } catch (error) {
            underFields(error);
          }
        }
        const expiresAt = type.definition.expiresFrom ? (type.expiresAt(next) ?? null) : input.expiresAt === undefined ? row.expiresAt : input.expiresAt;
        const payloadChanged = canonicalJson(next) !== canonicalJson(current);
        const metadataChanged = (description !== undefined && description !== row.description) || expiresAt?.getTime() !== row.expiresAt?.getTime();
        if (!payloadChanged && !metadataChanged) return { secret: metadataOf(row), changed: false };
        const version = row.version + 1;
        await writeVersion(tx, row, version, next, principal, reason);
        const updated = await secretStore.update(tx, row.id, { version, description: description ?? row.description, expiresAt, updatedAt: new Date(), updatedBy: actingUserId(principal) });
        const changedFields = type.definition.fields.filter((f) => canonicalJson(next[f.key] ?? null) !== canonicalJson(current[f.key] ?? null)).map((f) => f.key);
        await audit.appendInTx(tx, [{ actor: principal, event: { action: 'secret.updated', target: { id: row.id, name: row.name }, details: { version, changedFields, metadataChanged } } }]);
        return { secret: metadataOf(updated), changed: true };
      }));
    },

    /** What the principal may do with the secret (for showing only the buttons that will work). */
    async allowed(principal: Principal, ref: string): Promise<Record<SecretOperation, boolean>> {
      const { facts, relation } = await guarded(principal, 'read', ref, () => authorize(db, principal, ref, 'read'));
      return Object.fromEntries(secretOperations.map((op) => [op, decide(op, facts, relation) === 'allow'])) as Record<SecretOperation, boolean>;
    },

    async versions(principal: Principal, ref: string): Promise<VersionInfo[]> {
      const { row } = await guarded(principal, 'versions', ref, () => authorize(db, principal, ref, 'versions'));
      return secretStore.versions(db, row.id);
    },

    /** Writes a new version holding version `to`'s payload; history is never rewritten. */
    async rollback(principal: Principal, ref: string, to: number, options: { reason?: string; expectedVersion?: number } = {}): Promise<SecretMetadata> {
      if (!Number.isInteger(to) || to < 1) throw ValidationError.field('version', 'Version must be a whole number from 1');
      const reason = parseField(reasonSchema, options.reason ?? '', 'reason');
      return guarded(principal, 'rollback', ref, () => db.transaction(async (tx) => {
        const { row } = await authorize(tx, principal, ref, 'rollback', { lock: true });
        checkExpected(row, options.expectedVersion);
        if (to > row.version) throw new NotFoundError(`Secret "${row.name}" has no version ${to} (latest is ${row.version})`);
        if (to === row.version) throw ValidationError.field('version', `Version ${to} is already the current version`);
        const payload = await readPayload(tx, row, to);
        const type = typeOf(row);
        const version = row.version + 1;
        await writeVersion(tx, row, version, payload, principal, `rolled back to version ${to}${reason ? `: ${reason}` : ''}`);
        const expiresAt = type.definition.expiresFrom ? (type.expiresAt(payload) ?? null) : row.expiresAt;
        const updated = await secretStore.update(tx, row.id, { version, expiresAt, updatedAt: new Date(), updatedBy: actingUserId(principal) });
        await audit.appendInTx(tx, [{ actor: principal, event: { action: 'secret.rolled_back', target: { id: row.id, name: row.name }, details: { to, version } } }]);
        return metadataOf(updated);
      }));
    },

    /** Permanent: the secret, every version and every data key go in one transaction. */
    async delete(principal: Principal, ref: string, options: { expectedVersion?: number } = {}): Promise<SecretMetadata> {
      return guarded(principal, 'delete', ref, () => db.transaction(async (tx) => {
        const { row } = await authorize(tx, principal, ref, 'delete', { lock: true });
        checkExpected(row, options.expectedVersion);
        await secretStore.delete(tx, row.id);
        await audit.appendInTx(tx, [{ actor: principal, event: { action: 'secret.deleted', target: { id: row.id, name: row.name }, details: { type: row.typeId, version: row.version } } }]);
        return metadataOf(row);
      }));
    },

    /**
     * The decrypted payload of the current version, with no access check: for the use()
     * path (which checks first) and for Tresor's own maintenance. Never for a response.
     */
    async openUnchecked(row: SecretRow): Promise<OpenedSecret> {
      return { metadata: metadataOf(row), type: typeOf(row), payload: await readPayload(db, row) };
    },
  };
}

export type SecretService = ReturnType<typeof secretServiceFactory>;
