/**
 * The secret service: the one place where secrets are created, changed, versioned, rolled
 * back and deleted. The UI, the API, the CLI and modules all call it. It decides no access
 * itself: every call asks the access gate (`src/access/access.gate.ts`) first, and opens
 * payloads only through the gate's grants.
 *
 * Invariants kept here: versions are dense from 1; an update that changes nothing writes
 * nothing (but entering a secret value always writes a version: "unchanged" would confirm a
 * guess); concurrent writers queue on the secret's row lock and a stale expected version is
 * refused; a failed call changes nothing (one transaction per call); reads are audited.
 */
import { randomUUID } from 'node:crypto';
import type { AccessGate, SecretGrant } from '../access/access.gate.ts';
import type { SecretOperation } from '../access/secret.policy.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { CredentialRegistry, CredentialType, Payload } from '../credentials/index.ts';
import { sealPayload } from '../crypto/envelope.ts';
import type { KeyService } from '../crypto/key.service.ts';
import type { Database, Executor, Transaction } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { AccessDeniedError, ConflictError, NotFoundError, ValidationError, VersionConflictError } from '../errors.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import type { ProvidedService } from '../providers/provided.service.ts';
import { canonicalJson } from '../text/canonical-json.ts';
import { parseField } from '../validation.ts';
import { referenceStore } from './reference.store.ts';
import { describeReferences, referencesSeenBy } from './references-view.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import type {
  CreateSecretInput,
  ListOptions,
  ReferenceChecker,
  UpdateResult,
  UpdateSecretInput,
} from './secret-inputs.ts';
import { metadataOf, type SecretDetail, type SecretMetadata, type VersionInfo } from './secret-metadata.ts';
import { referenceChecks } from './secret-references.ts';
import { descriptionSchema, reasonSchema, secretNameSchema } from './secret-rules.ts';
import { shareStore } from './share.store.ts';
import { compareVersions, type FieldChange } from './version-compare.ts';

export type {
  CreateSecretInput,
  ListOptions,
  ReferenceChecker,
  UpdateResult,
  UpdateSecretInput,
} from './secret-inputs.ts';

/** The operations a page may ask a secret for before it offers their form. */
export type ChangeOperation = Extract<SecretOperation, 'update' | 'delete' | 'share' | 'unshare' | 'rollback'>;

export interface SecretServiceDeps {
  db: Database;
  gate: Pick<AccessGate, 'secret' | 'guard' | 'check' | 'open' | 'create' | 'creatable' | 'listing' | 'operations'>;
  /** The node's read cache (plain reads only; changes always read the database). */
  cache?: ReadCache;
  /** Checks secretRef fields at save time; set once the use service exists. */
  references?: { check?: ReferenceChecker };
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  registry: CredentialRegistry;
  keys: Pick<KeyService, 'sealingRing'>;
  settings: { versionsKept: number };
  /** Secrets held outside Tresor: their names are reserved (a stored one would take over their modules). */
  provided?: Pick<ProvidedService, 'active' | 'lookup'>;
}

/** Field errors of a payload are reported under `fields.`, as the API body nests them. */
function underFields(error: unknown): never {
  throw error instanceof ValidationError ? error.under('fields') : error;
}

export function secretServiceFactory({
  db,
  gate,
  audit,
  registry,
  keys,
  settings,
  references = {},
  cache,
  provided,
}: SecretServiceDeps) {
  const serialise = (payload: Payload) => Buffer.from(JSON.stringify(payload), 'utf8');

  function typeOf(row: SecretRow): CredentialType {
    return registry.get(row.typeId);
  }

  const secretKeys = (type: CredentialType) => type.definition.fields.filter((f) => f.secret).map((f) => f.key);

  async function writeVersion(
    tx: Executor,
    row: SecretRow,
    version: number,
    payload: Payload,
    principal: Principal,
    reason: string,
    /** The secret fields this version's writer entered or cleared (what a compare reports as changed). */
    enteredSecrets: string[],
  ): Promise<void> {
    const sealed = sealPayload(await keys.sealingRing(), serialise(payload), {
      secretId: row.id,
      version,
      typeId: row.typeId,
    });
    // Past the versions kept, the oldest go with the same statement.
    await secretStore.insertVersion(
      tx,
      { secretId: row.id, version, ...sealed, createdBy: actingUserId(principal), reason, enteredSecrets },
      version > settings.versionsKept ? version - settings.versionsKept + 1 : undefined,
    );
    // What this version names in secretRef fields (only types that have them pay the statement).
    const type = typeOf(row);
    if (hasReferences(type))
      await referenceStore.replace(
        tx,
        row.id,
        type.definition.fields
          .filter((f) => f.style === 'secretRef' && typeof payload[f.key] === 'string' && payload[f.key] !== '')
          .map((f) => ({ field: f.key, targetName: String(payload[f.key]) })),
      );
  }

  /** Reads are on record too (group-committed, like uses). */
  const recordRead = (principal: Principal, row: SecretRow, view: 'metadata' | 'fields' | 'versions' | 'shares') =>
    audit.write({
      actor: principal,
      event: { action: 'secret.read', target: { id: row.id, name: row.name }, details: { view } },
    });

  const checkReferences = referenceChecks(registry, references);
  const hasReferences = (type: CredentialType) => type.definition.fields.some((f) => f.style === 'secretRef');
  /** Types whose changes need work outside the write's transaction: slow checks (keys) or references. */
  const needsWorkOutside = (type: CredentialType, input: UpdateSecretInput) =>
    (input.fields !== undefined || (input.generate?.length ?? 0) > 0) && (type.inspects || hasReferences(type));
  /** Returned from the one-transaction update when the type needs the longer way round. */
  const longerWay = Symbol('longer way');

  function checkExpected(row: SecretRow, expected: number | undefined): void {
    if (expected !== undefined && expected !== row.version) throw new VersionConflictError(expected, row.version);
  }

  interface UpdatePlan {
    description: string | undefined;
    reason: string;
    expiresAt: Date | null | undefined;
    fields: unknown;
    merge: boolean;
  }

  interface Prepared {
    payload: Payload;
    entered: string[];
    /** Stored secret fields kept beside the new values: hooks do not judge them again. */
    kept: string[];
    /** The user's own expiry (given now, or kept from before); the values may bring it earlier. */
    chosenExpiry: Date | null;
    payloadChanged: boolean;
    descriptionChanged: boolean;
    description: string;
  }

  /** The next payload and metadata of an update (validation included; slow checks are the caller's). */
  function prepare(row: SecretRow, current: Payload, plan: UpdatePlan): Prepared {
    const type = typeOf(row);
    let payload = current;
    let entered: string[] = [];
    let kept: string[] = [];
    if (plan.fields !== undefined) {
      const fields =
        plan.merge && plan.fields !== null && typeof plan.fields === 'object' && !Array.isArray(plan.fields)
          ? { ...type.publicFields(current), ...(plan.fields as object) }
          : plan.fields;
      payload = type.parseUpdate(fields, current);
      entered = type.enteredSecrets(fields);
      kept = type.keptSecrets(fields, current);
    }
    return {
      payload,
      entered,
      kept,
      chosenExpiry:
        plan.expiresAt === undefined ? type.chosenExpiry(row.expiresAt, current, row.facts) : plan.expiresAt,
      // An entered secret value is a change even when equal to the stored one: "unchanged" would confirm a guess.
      payloadChanged: entered.length > 0 || canonicalJson(payload) !== canonicalJson(current),
      descriptionChanged: plan.description !== undefined && plan.description !== row.description,
      description: plan.description ?? row.description,
    };
  }

  /** Writes a prepared update (a new version, unless nothing changed) and its audit row. */
  async function write(
    tx: Executor,
    principal: Principal,
    row: SecretRow,
    current: Payload,
    next: Prepared,
    facts: Record<string, string> | null,
    reason: string,
  ): Promise<UpdateResult> {
    const type = typeOf(row);
    // The expiry follows the new values (their facts are known by now) and the user's choice.
    const expiresAt = type.expiryOf(next.payload, facts, next.chosenExpiry);
    const metadataChanged = next.descriptionChanged || expiresAt?.getTime() !== row.expiresAt?.getTime();
    if (!next.payloadChanged && !metadataChanged) return { secret: metadataOf(row), changed: false };
    const version = row.version + 1;
    const changedFields = type.definition.fields
      .filter(
        (f) =>
          next.entered.includes(f.key) ||
          canonicalJson(next.payload[f.key] ?? null) !== canonicalJson(current[f.key] ?? null),
      )
      .map((f) => f.key);
    // Three statements that need nothing of each other, sent together: the driver pipelines them
    // on the transaction's connection (one round trip, not three). A failing one aborts the
    // transaction, and its error is the one that rejects first.
    const [, updated] = await Promise.all([
      writeVersion(tx, row, version, next.payload, principal, reason, [
        ...new Set([
          ...next.entered,
          ...secretKeys(type).filter((k) => (current[k] === undefined) !== (next.payload[k] === undefined)),
        ]),
      ]),
      secretStore.advance(tx, row, {
        version,
        description: next.description,
        expiresAt,
        facts,
        updatedAt: new Date(),
        updatedBy: actingUserId(principal),
      }),
      audit.appendInTx(tx, [
        {
          actor: principal,
          event: {
            action: 'secret.updated',
            target: { id: row.id, name: row.name },
            details: { version, changedFields, metadataChanged },
          },
        },
      ]),
    ]);
    return { secret: metadataOf(updated), changed: true };
  }

  /** The new version from the stored one and the plan, written under the row lock the grant holds. */
  async function writeUnderLock(
    tx: Transaction,
    principal: Principal,
    grant: SecretGrant,
    input: UpdateSecretInput,
    plan: UpdatePlan,
    refusal: (row: SecretRow, error: unknown) => unknown,
  ): Promise<UpdateResult> {
    checkExpected(grant.row, input.expectedVersion);
    const current = await gate.open(tx, grant);
    let next: Prepared;
    try {
      next = prepare(grant.row, current, plan);
    } catch (error) {
      throw refusal(grant.row, error);
    }
    return write(tx, principal, grant.row, current, next, grant.row.facts, plan.reason);
  }

  /**
   * The longer way, for types whose change needs work outside a transaction: the permission
   * check comes first (refusals audited) and reference checks and slow checks (opening a key
   * in the hook worker) run with no row lock or connection held; the write then insists on
   * the version it read, and tries again if another writer came between.
   */
  async function updateOutside(
    principal: Principal,
    ref: string,
    input: UpdateSecretInput,
    planOf: (type: CredentialType) => UpdatePlan,
    refusal: (row: SecretRow, error: unknown) => unknown,
    auditRefusal: () => Promise<void>,
  ): Promise<UpdateResult> {
    const first = await gate.check(principal, ref, 'update');
    const type = typeOf(first.row);
    const plan = planOf(type);
    // References are checked before the transaction: the check reads (and may audit) on its own.
    if (input.fields && typeof input.fields === 'object' && hasReferences(type))
      await checkReferences(principal, type, input.fields as Record<string, unknown>);
    try {
      if (type.inspects && plan.fields !== undefined) {
        for (let attempt = 0; attempt < 5; attempt++) {
          const grant = attempt === 0 ? first : await db.transaction((tx) => gate.secret(tx, principal, ref, 'update'));
          checkExpected(grant.row, input.expectedVersion);
          const current = await gate.open(db, grant);
          let next: Prepared;
          let facts: Record<string, string> | null = grant.row.facts;
          try {
            next = prepare(grant.row, current, plan);
            if (next.payloadChanged)
              facts = (
                await typeOf(grant.row).inspect(next.payload, { issues: next.kept.length > 0 ? 'ignore' : 'refuse' })
              ).facts;
          } catch (error) {
            throw refusal(grant.row, error);
          }
          const written = await gate.guard(principal, 'update', ref, () =>
            db.transaction(async (tx) => {
              const { row } = await gate.secret(tx, principal, ref, 'update', { lock: true });
              if (row.version !== grant.row.version) return undefined;
              return write(tx, principal, row, current, next, facts, plan.reason);
            }),
          );
          if (written) return written;
        }
        throw new VersionConflictError(
          first.row.version,
          (await secretStore.find(db, ref))?.version ?? first.row.version,
        );
      }
      return await gate.guard(principal, 'update', ref, () =>
        db.transaction(async (tx) =>
          writeUnderLock(
            tx,
            principal,
            await gate.secret(tx, principal, ref, 'update', { lock: true }),
            input,
            plan,
            refusal,
          ),
        ),
      );
    } catch (error) {
      await auditRefusal();
      throw error;
    }
  }

  return {
    /**
     * Returns what a read would (metadata, non-secret fields, facts) from what it just wrote:
     * the creator typed those fields, so answering needs no second read and no read audit.
     */
    /** The types the principal may create a secret of now (none without the permission): what a UI offers. */
    creatableTypes(principal: Principal): Promise<CredentialType[]> {
      return gate.creatable(principal, registry.list());
    },

    /**
     * The type of a secret the principal is about to create, asked before a form is shown: refused
     * (and audited) as the create itself would be, so nobody fills in a form they may not submit.
     */
    async typeToCreate(principal: Principal, typeId: string): Promise<CredentialType> {
      const type = registry.find(typeId);
      await gate.create(principal, type, '');
      if (!type) throw new NotFoundError(`Unknown credential type "${typeId}"`);
      return type;
    },

    /** Refused (and audited) as a create would be for whoever may create nothing at all; the type picker asks it. */
    async mayCreateAny(principal: Principal): Promise<void> {
      await gate.create(principal, undefined, '');
    },

    /**
     * `options.ownerId`: the owner, other than the creator — for Tresor itself only (an import
     * keeps each secret's owner); nobody else may make a secret someone else's.
     */
    async create(
      principal: Principal,
      input: CreateSecretInput,
      options: { ownerId?: string } = {},
    ): Promise<SecretDetail> {
      const type = registry.find(typeof input.type === 'string' ? input.type : '');
      // Permission first: a principal who may not create learns nothing from validating its input.
      const { requiredGroup } = await gate.create(principal, type, typeof input.name === 'string' ? input.name : '');
      if (options.ownerId !== undefined && principal.kind !== 'system')
        throw new AccessDeniedError('Only Tresor itself creates a secret for another owner');
      const name = parseField(secretNameSchema, input.name, 'name');
      // A provided secret's name is taken, as a stored one's is: a stored secret of that name
      // would be what the provided one's users and groups reach.
      if (provided?.active && (await provided.lookup(name)))
        throw new ConflictError(`A secret named "${name}" already exists`, 'name');
      const description = parseField(descriptionSchema, input.description ?? '', 'description');
      if (!type)
        throw ValidationError.field(
          'type',
          `Type must be one of: ${registry
            .list()
            .map((t) => t.id)
            .join(', ')}`,
        );
      let payload: Payload;
      let facts: Record<string, string>;
      // Generated values first: a field without a generator is the `generate` input's problem, not a field's.
      const fields = input.generate?.length ? type.withGenerated(input.fields, input.generate) : input.fields;
      try {
        payload = type.parseCreate(fields);
        // The slow checks (opening a key) run in the hook worker; their facts are stored with the row.
        facts = (await type.inspect(payload)).facts;
      } catch (error) {
        underFields(error);
      }
      await checkReferences(principal, type, payload);
      const userId = actingUserId(principal);
      const row: SecretRow = {
        id: randomUUID(),
        name,
        description,
        typeId: type.id,
        ownerId: options.ownerId ?? userId,
        version: 1,
        createdAt: new Date(),
        createdBy: userId,
        updatedAt: new Date(),
        updatedBy: userId,
        expiresAt: type.expiryOf(payload, facts, input.expiresAt),
        lastUsedAt: null,
        facts: Object.keys(facts).length > 0 ? facts : null,
      };
      try {
        await db.transaction(async (tx) => {
          // The row first (the others refer to it); then its version, share and audit row, sent
          // together and pipelined on the transaction's connection (one round trip).
          await secretStore.insert(tx, row);
          await Promise.all([
            writeVersion(
              tx,
              row,
              1,
              payload,
              principal,
              'created',
              secretKeys(type).filter((k) => k in payload),
            ),
            // The type's sharing rule holds from the first moment.
            requiredGroup
              ? shareStore.insert(tx, { secretId: row.id, groupId: requiredGroup.id, createdBy: userId })
              : undefined,
            audit.appendInTx(tx, [
              {
                actor: principal,
                event: {
                  action: 'secret.created',
                  target: { id: row.id, name },
                  details: { type: type.id, version: 1 },
                },
              },
              ...(requiredGroup
                ? [
                    {
                      actor: principal,
                      event: {
                        action: 'secret.shared' as const,
                        target: { id: row.id, name },
                        details: {
                          recipientKind: 'group' as const,
                          recipientId: requiredGroup.id,
                          recipient: requiredGroup.name,
                        },
                      },
                    },
                  ]
                : []),
            ]),
          ]);
        });
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation)
          throw new ConflictError(`A secret named "${name}" already exists`, 'name');
        throw error;
      }
      return {
        ...metadataOf(row),
        fields: type.publicFields(payload),
        facts: row.facts ?? {},
        sealed: type.sealedFields(payload),
      };
    },

    /**
     * A secret's metadata. `for` names what the caller is about to offer (a form to change,
     * share or delete it): refused (403, audited) to whoever may read but not do that.
     */
    async get(principal: Principal, ref: string, options: { for?: ChangeOperation } = {}): Promise<SecretMetadata> {
      const { row } = await gate.check(principal, ref, options.for ?? 'read');
      await recordRead(principal, row, 'metadata');
      return metadataOf(row);
    },

    /**
     * A secret's metadata, non-secret fields and facts. `for: 'update'` asks for them to edit:
     * refused (403, audited) to whoever may read but not change it, before anything is opened.
     */
    async describe(principal: Principal, ref: string, options: { for?: ChangeOperation } = {}): Promise<SecretDetail> {
      const grant = await gate.check(principal, ref, options.for ?? 'read');
      const type = typeOf(grant.row);
      const payload = await gate.open(db, grant);
      await recordRead(principal, grant.row, 'fields');
      // Facts were derived once, when the version was written; rows from before then derive them now.
      const facts =
        grant.row.facts ?? (type.inspects ? (await type.inspect(payload).catch(() => ({ facts: {} }))).facts : {});
      return {
        ...metadataOf(grant.row),
        fields: type.publicFields(payload),
        facts,
        sealed: type.sealedFields(payload),
      };
    },

    /** The principal's store (owned plus shared with them directly), or with `all` every secret. */
    async list(principal: Principal, options: ListOptions = {}): Promise<readonly SecretMetadata[]> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
      const listing = await gate.listing(principal, { all: options.all === true });
      if (!listing) return [];
      const { all: _all, limit: _limit, after, sort, offset, ...filter } = options;
      const page = {
        limit,
        ...(after === undefined || (sort ?? 'name') !== 'name' ? {} : { afterName: after }),
        ...(sort && sort !== 'name' ? { sort } : {}),
        ...(offset && offset > 0 ? { offset: Math.min(Math.floor(offset), 1_000_000) } : {}),
      };
      // Frozen, and kept so in the cache: the same page is the same object until a notice drops it,
      // so its JSON is written once (serializer.ts) instead of on every request.
      const load = async () =>
        Object.freeze(
          (await secretStore.list(db, { ...filter, access: listing.access }, page)).map((row) =>
            Object.freeze(metadataOf(row)),
          ),
        );
      const items = cache
        ? await cache.through('lists', JSON.stringify([listing.key, filter, page]), load)
        : await load();
      // Listing everything is a manager's read of every name: on record.
      if (listing.access === undefined)
        await audit.write({
          actor: principal,
          event: {
            action: 'secret.listed',
            target: { id: null, name: 'all secrets' },
            details: { all: true, count: items.length },
          },
        });
      return items;
    },

    async update(principal: Principal, ref: string, input: UpdateSecretInput): Promise<UpdateResult> {
      // Generated values join the fields once the type is known (after the permission check).
      const generating = (input.generate?.length ?? 0) > 0;
      const planOf = (type: CredentialType): UpdatePlan => ({
        description:
          input.description === undefined ? undefined : parseField(descriptionSchema, input.description, 'description'),
        reason: parseField(reasonSchema, input.reason ?? 'updated', 'reason'),
        expiresAt: input.expiresAt,
        fields: generating ? type.withGenerated(input.fields ?? {}, input.generate!) : input.fields,
        // Generating alone changes only those fields: the others keep their values.
        merge: input.merge === true || (generating && input.fields === undefined),
      });
      let refused: { row: SecretRow; fields: string[] } | undefined;
      /** The error to throw for a refused input; refusals are audited below, once the transaction is over. */
      const refusal = (row: SecretRow, error: unknown): unknown => {
        if (!(error instanceof ValidationError)) return error;
        refused = { row, fields: [...new Set(error.issues.map((i) => i.path.split('.')[0] ?? ''))] };
        return error.under('fields');
      };
      const auditRefusal = async () => {
        // A refused update is on record (which fields, never their values), so probing leaves a trace.
        if (refused)
          await audit.write({
            actor: principal,
            outcome: 'failure',
            event: {
              action: 'secret.update_refused',
              target: { id: refused.row.id, name: refused.row.name },
              details: { fields: refused.fields },
            },
          });
      };

      // Most updates take one transaction: the locked check decides (permission first, refusals
      // audited) before any input is read, then the new version is written under that lock.
      try {
        const done = await gate.guard(principal, 'update', ref, () =>
          db.transaction(async (tx) => {
            const grant = await gate.secret(tx, principal, ref, 'update', { lock: true });
            if (needsWorkOutside(typeOf(grant.row), input)) return longerWay;
            return writeUnderLock(tx, principal, grant, input, planOf(typeOf(grant.row)), refusal);
          }),
        );
        if (done !== longerWay) return done;
      } catch (error) {
        await auditRefusal();
        throw error;
      }
      return updateOutside(principal, ref, input, planOf, refusal, auditRefusal);
    },

    /** What the principal may do with the secret (for showing only the buttons that will work). */
    async allowed(principal: Principal, ref: string): Promise<Record<SecretOperation, boolean>> {
      return gate.operations(await gate.check(principal, ref, 'read'));
    },

    async versions(principal: Principal, ref: string): Promise<VersionInfo[]> {
      const { row } = await gate.check(principal, ref, 'versions');
      await recordRead(principal, row, 'versions');
      return secretStore.versions(db, row.id);
    },

    /**
     * What changed from version `from` to version `to` (either order): non-secret fields old →
     * new, secret fields changed or not (version-compare.ts). For whoever may read the secret;
     * on record as a read of its versions.
     */
    async compare(
      principal: Principal,
      ref: string,
      from: number,
      to: number,
    ): Promise<{ secret: SecretMetadata; from: VersionInfo; to: VersionInfo; fields: FieldChange[] }> {
      for (const [name, v] of [
        ['from', from],
        ['to', to],
      ] as const)
        if (!Number.isInteger(v) || v < 1) throw ValidationError.field(name, 'Version must be a whole number from 1');
      const grant = await gate.check(principal, ref, 'read');
      const { row } = grant;
      const versions = await secretStore.versions(db, row.id);
      const infoOf = (v: number, field: 'from' | 'to') => {
        const info = versions.find((i) => i.version === v);
        if (!info)
          throw ValidationError.field(field, `Secret "${row.name}" has no version ${v} (latest is ${row.version})`);
        return info;
      };
      const [fromInfo, toInfo] = [infoOf(from, 'from'), infoOf(to, 'to')];
      const [before, after, entered] = await Promise.all([
        gate.open(db, grant, from),
        gate.open(db, grant, to),
        secretStore.enteredBetween(db, row.id, Math.min(from, to), Math.max(from, to)),
      ]);
      await recordRead(principal, row, 'versions');
      // Secret fields changed where a version between them entered them (a version from before
      // this was recorded counts as having entered all): recorded, never compared.
      const type = typeOf(row);
      const changedSecrets = new Set(entered.flatMap((keys) => keys ?? secretKeys(type)));
      return {
        secret: metadataOf(row),
        from: fromInfo,
        to: toInfo,
        fields: compareVersions(type, before, after, changedSecrets),
      };
    },

    /** Writes a new version holding version `to`'s payload; history is never rewritten. */
    async rollback(
      principal: Principal,
      ref: string,
      to: number,
      options: { reason?: string; expectedVersion?: number } = {},
    ): Promise<SecretMetadata> {
      if (!Number.isInteger(to) || to < 1)
        throw ValidationError.field('version', 'Version must be a whole number from 1');
      const reason = parseField(reasonSchema, options.reason ?? '', 'reason');
      // Old versions never change: their facts are derived (off the event loop) before the transaction.
      const first = await gate.check(principal, ref, 'rollback');
      // Only types with slow hooks need the old payload here; the others skip the extra decrypt.
      const inspects = typeOf(first.row).inspects;
      const old =
        inspects && to < first.row.version ? await gate.open(db, first, to).catch(() => undefined) : undefined;
      const facts = old
        ? (
            await typeOf(first.row)
              .inspect(old)
              .catch(() => ({ facts: {} }))
          ).facts
        : {};
      return gate.guard(principal, 'rollback', ref, () =>
        db.transaction(async (tx) => {
          const grant = await gate.secret(tx, principal, ref, 'rollback', { lock: true });
          const { row } = grant;
          checkExpected(row, options.expectedVersion);
          if (to > row.version)
            throw new NotFoundError(`Secret "${row.name}" has no version ${to} (latest is ${row.version})`);
          if (to === row.version)
            throw ValidationError.field('version', `Version ${to} is already the current version`);
          const payload = await gate.open(tx, grant, to);
          const type = typeOf(row);
          const version = row.version + 1;
          // The user's choice stays; what the old values carry comes back with them. Only a type
          // whose values carry an expiry needs the current payload to tell the two apart.
          const carries = type.definition.expiresFrom !== undefined || type.definition.expiryFact !== undefined;
          const chosen = carries
            ? type.chosenExpiry(row.expiresAt, await gate.open(tx, grant, row.version), row.facts)
            : row.expiresAt;
          const expiresAt = type.expiryOf(payload, Object.keys(facts).length > 0 ? facts : null, chosen);
          // Independent statements, pipelined in one round trip (as an update's).
          const [, updated] = await Promise.all([
            writeVersion(
              tx,
              row,
              version,
              payload,
              principal,
              `rolled back to version ${to}${reason ? `: ${reason}` : ''}`,
              // Every secret field is written again from the old version: reported as changed, never compared.
              secretKeys(type),
            ),
            secretStore.advance(tx, row, {
              version,
              description: row.description,
              expiresAt,
              facts: Object.keys(facts).length > 0 ? facts : null,
              updatedAt: new Date(),
              updatedBy: actingUserId(principal),
            }),
            audit.appendInTx(tx, [
              {
                actor: principal,
                event: {
                  action: 'secret.rolled_back',
                  target: { id: row.id, name: row.name },
                  details: { to, version },
                },
              },
            ]),
          ]);
          return metadataOf(updated);
        }),
      );
    },

    /** Permanent: the secret, every version and every data key go in one transaction. */
    async delete(
      principal: Principal,
      ref: string,
      options: { expectedVersion?: number; force?: boolean } = {},
    ): Promise<SecretMetadata> {
      return gate.guard(principal, 'delete', ref, () =>
        db.transaction(async (tx) => {
          const { row } = await gate.secret(tx, principal, ref, 'delete', { lock: true });
          checkExpected(row, options.expectedVersion);
          // A configuration that names it would break: deleting it anyway is said explicitly. The
          // check rides on the delete, sent with the audit row (one round trip); a refusal rolls
          // both back, and only then are the names looked up.
          const [deleted] = await Promise.all([
            options.force
              ? secretStore.delete(tx, row.id).then(() => true)
              : secretStore.deleteUnreferenced(tx, row.id),
            audit.appendInTx(tx, [
              {
                actor: principal,
                event: {
                  action: 'secret.deleted',
                  target: { id: row.id, name: row.name },
                  details: { type: row.typeId, version: row.version },
                },
              },
            ]),
          ]);
          if (!deleted) {
            const seen = await referencesSeenBy(gate, tx, principal, row);
            throw new ConflictError(
              `Secret "${row.name}" is referenced by ${describeReferences(seen)}; ` +
                'confirm (force) to delete it anyway',
              'force',
            );
          }
          return metadataOf(row);
        }),
      );
    },
  };
}

export type SecretService = ReturnType<typeof secretServiceFactory>;
