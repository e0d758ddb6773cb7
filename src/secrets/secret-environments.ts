/**
 * A secret's values per environment (issue "Spaces"): side by side (set or not, non-secret fields,
 * the current version of each), set one environment's value, copy one environment's value to another
 * without anyone seeing it, and each environment's versions. The default environment's value is the
 * secret's own, changed by the one update path (`secret-update.ts`); the others are versioned here,
 * through the same version writer. Every call asks the gate first; one grant covers every environment.
 */
import type { SecretGrant } from '../access/access.gate.ts';
import type { CredentialType, Payload } from '../credentials/index.ts';
import type { PublicFields } from '../credentials/payload-views.ts';
import type { Executor } from '../db/client.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { EnvironmentLane } from '../spaces/space-environments.ts';
import { canonicalJson } from '../text/canonical-json.ts';
import { parseField } from '../validation.ts';
import { secretStore } from './secret.store.ts';
import type { UpdateResult, UpdateSecretInput } from './secret-inputs.ts';
import type { VersionInfo } from './secret-metadata.ts';
import { referenceChecks } from './secret-references.ts';
import { reasonSchema } from './secret-rules.ts';
import type { SecretServiceDeps } from './secret-service-deps.ts';
import { hasReferences, secretKeys, type WriteVersion } from './version-writer.ts';

/** One environment's value of a secret, as the side-by-side view shows it: never a secret value. */
export interface EnvironmentValue {
  environment: string;
  /** The space's default environment (its value is the secret's own). */
  default: boolean;
  set: boolean;
  version?: number;
  updatedAt?: Date;
  updatedBy?: string | null;
  /** Non-secret fields; of secret fields only whether each holds a value (`sealed`). */
  fields?: PublicFields;
  sealed?: string[];
}

export interface EnvironmentWrite {
  environment: string;
  version: number;
}

export interface SetEnvironmentInput {
  fields?: unknown;
  /** Patch semantics: non-secret fields left out keep that environment's current value. */
  merge?: boolean;
  generate?: readonly string[];
  reason?: string;
}

/** A value that is not set in the environment asked for: said plainly (the caller may use the secret). */
export const notSetIn = (name: string, environment: string | undefined) =>
  new NotFoundError(`"${name}" is not set in ${environment ?? 'this environment'}`);

export function secretEnvironments(
  { db, gate, audit, registry, references, environments }: SecretServiceDeps,
  writeVersion: WriteVersion,
  update: (principal: Principal, ref: string, input: UpdateSecretInput) => Promise<UpdateResult>,
) {
  const checkReferences = referenceChecks(registry, references);

  /** Writes version `version` of a non-default environment's value, with its audit row. */
  async function writeValue(
    tx: Executor,
    principal: Principal,
    grant: SecretGrant,
    target: EnvironmentLane,
    current: { payload: Payload; version: number } | undefined,
    next: { payload: Payload; entered: string[]; reason: string; copiedFrom?: string },
  ): Promise<EnvironmentWrite> {
    const type = registry.get(grant.row.typeId);
    const version = (current?.version ?? 0) + 1;
    const before = current?.payload ?? {};
    const changedFields = type.definition.fields
      .filter(
        (f) =>
          next.entered.includes(f.key) ||
          canonicalJson(next.payload[f.key] ?? null) !== canonicalJson(before[f.key] ?? null),
      )
      .map((f) => f.key);
    await writeVersion(tx, grant.row, version, next.payload, principal, next.reason, next.entered, target.lane);
    await audit.appendInTx(tx, [
      {
        actor: principal,
        event: {
          action: 'secret.updated',
          target: { id: grant.row.id, name: grant.row.name },
          details: {
            version,
            changedFields,
            metadataChanged: false,
            environment: target.lane,
            ...(next.copiedFrom ? { copiedFrom: next.copiedFrom } : {}),
          },
        },
      },
    ]);
    return { environment: target.lane, version };
  }

  /** The next value of an environment from what was entered: a first value is validated as a new secret's. */
  async function prepared(type: CredentialType, input: SetEnvironmentInput, current: Payload | undefined) {
    const given =
      input.merge && current && input.fields !== null && typeof input.fields === 'object'
        ? { ...type.publicFields(current), ...(input.fields as object) }
        : (input.fields ?? {});
    const fields = input.generate?.length ? type.withGenerated(given, input.generate) : given;
    try {
      const payload = current ? type.parseUpdate(fields, current) : type.parseCreate(fields);
      const kept = current ? type.keptSecrets(fields, current) : [];
      // Keys and certificates are judged as on any save (the hook worker, with its cost cap).
      if (type.inspects) await type.inspect(payload, { issues: kept.length > 0 ? 'ignore' : 'refuse' });
      return { payload, entered: type.enteredSecrets(fields) };
    } catch (error) {
      throw error instanceof ValidationError ? error.under('fields') : error;
    }
  }

  return {
    /** Every environment's value side by side (none for a space without environments): for readers. */
    async environments(principal: Principal, ref: string): Promise<EnvironmentValue[]> {
      const grant = await gate.check(principal, ref, 'read');
      const declared = await environments.names(grant.row.spaceId);
      if (declared.length === 0) return [];
      const type = registry.get(grant.row.typeId);
      const heads = await secretStore.environmentHeads(db, grant.row.id);
      const values: EnvironmentValue[] = [];
      for (const [i, name] of declared.entries()) {
        const lane = i === 0 ? '' : name;
        const opened = heads.has(lane) ? await gate.openEnvironment(db, grant, lane) : undefined;
        const head = heads.get(lane);
        values.push(
          opened && head
            ? {
                environment: name,
                default: i === 0,
                set: true,
                version: opened.version,
                updatedAt: head.createdAt,
                updatedBy: head.createdByName,
                fields: type.publicFields(opened.payload),
                sealed: type.sealedFields(opened.payload),
              }
            : { environment: name, default: i === 0, set: false },
        );
      }
      await audit.write({
        actor: principal,
        event: {
          action: 'secret.read',
          target: { id: grant.row.id, name: grant.row.name },
          details: { view: 'fields' },
        },
      });
      return values;
    },

    /** Sets one environment's value (secret fields left empty keep that environment's stored value). */
    async setEnvironment(
      principal: Principal,
      ref: string,
      environment: unknown,
      input: SetEnvironmentInput,
    ): Promise<EnvironmentWrite> {
      // Permission first: nothing about the input or the environments is read for a caller who may not change it.
      const { row } = await gate.check(principal, ref, 'update');
      const target = await environments.laneOf(row.spaceId, nameOf(environment), 'write');
      const reason = parseField(reasonSchema, input.reason ?? 'updated', 'reason');
      if (target.lane === '') {
        const { fields, generate, merge } = input;
        const done = await update(principal, ref, {
          ...{ fields, reason },
          ...(generate ? { generate } : {}),
          ...(merge ? { merge } : {}),
        });
        return { environment: '', version: done.secret.version };
      }
      const type = registry.get(row.typeId);
      if (hasReferences(type) && input.fields && typeof input.fields === 'object')
        await checkReferences(principal, type, input.fields as Record<string, unknown>);
      return gate.guard(principal, 'update', ref, () =>
        db.transaction(async (tx) => {
          const grant = await gate.secret(tx, principal, ref, 'update', { lock: true });
          const current = await gate.openEnvironment(tx, grant, target.lane);
          const next = await prepared(type, input, current?.payload);
          return writeValue(tx, principal, grant, target, current, { ...next, reason });
        }),
      );
    },

    /** Copies one environment's current value to another, as a new version there: nobody sees it (audited). */
    async copyEnvironment(
      principal: Principal,
      ref: string,
      input: { from: unknown; to: unknown; reason?: unknown },
    ): Promise<EnvironmentWrite> {
      const { row } = await gate.check(principal, ref, 'update');
      const from = await environments.laneOf(row.spaceId, nameOf(input.from, 'from'), 'write');
      const to = await environments.laneOf(row.spaceId, nameOf(input.to, 'to'), 'write');
      if (from.lane === to.lane) throw ValidationError.field('to', 'Copy to another environment than the one copied');
      const reason = parseField(reasonSchema, input.reason ?? `copied from ${from.environment}`, 'reason');
      const source = await gate.guard(principal, 'update', ref, async () => {
        const grant = await gate.secret(db, principal, ref, 'update');
        return gate.openEnvironment(db, grant, from.lane);
      });
      if (!source) throw notSetIn(row.name, from.environment);
      if (to.lane === '') {
        // Into the default: the secret's own value, by the one update path (its checks, facts and expiry).
        const done = await update(principal, ref, { fields: source.payload, reason, copiedFrom: from.environment });
        return { environment: '', version: done.secret.version };
      }
      const type = registry.get(row.typeId);
      return gate.guard(principal, 'update', ref, () =>
        db.transaction(async (tx) => {
          const grant = await gate.secret(tx, principal, ref, 'update', { lock: true });
          const current = await gate.openEnvironment(tx, grant, to.lane);
          return writeValue(tx, principal, grant, to, current, {
            payload: source.payload,
            entered: secretKeys(type).filter((k) => source.payload[k] !== undefined),
            reason,
            ...(from.environment ? { copiedFrom: from.environment } : {}),
          });
        }),
      );
    },

    /** One environment's versions, newest first. */
    async environmentVersions(principal: Principal, ref: string, environment: unknown): Promise<VersionInfo[]> {
      const { row } = await gate.check(principal, ref, 'versions');
      const target = await environments.laneOf(row.spaceId, nameOf(environment), 'write');
      await audit.write({
        actor: principal,
        event: { action: 'secret.read', target: { id: row.id, name: row.name }, details: { view: 'versions' } },
      });
      return secretStore.versions(db, row.id, target.lane);
    },
  };
}

/** An environment named in input: a string, or refused naming the field. */
function nameOf(value: unknown, field = 'environment'): string {
  if (typeof value !== 'string' || value.trim() === '') throw ValidationError.field(field, 'Name an environment');
  return value.trim();
}
