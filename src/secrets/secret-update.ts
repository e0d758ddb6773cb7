/**
 * Updating a secret, by one path: each attempt prepares the next version (validation, and a
 * type's slow checks) and writes it under the secret's row lock. Types differ only in when
 * the lock is taken. Most take it first and prepare under it: one transaction, the locked
 * check deciding (permission first, refusals audited) before any input is read. A type whose
 * change needs work outside a transaction (slow checks that open a key in the hook worker,
 * reference checks that read on their own) prepares with no lock or connection held, then
 * writes only if no other writer came between, and otherwise prepares again from what that
 * writer left.
 *
 * An update that changes nothing writes nothing, but entering a secret value always writes a
 * version: "unchanged" would confirm a guess.
 */
import type { SecretGrant } from '../access/access.gate.ts';
import type { CredentialType, Payload } from '../credentials/index.ts';
import type { Executor } from '../db/client.ts';
import { ValidationError, VersionConflictError } from '../errors.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import { canonicalJson } from '../text/canonical-json.ts';
import { parseField } from '../validation.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import type { UpdateResult, UpdateSecretInput } from './secret-inputs.ts';
import { metadataOf } from './secret-metadata.ts';
import { referenceChecks } from './secret-references.ts';
import { descriptionSchema, reasonSchema } from './secret-rules.ts';
import type { SecretServiceDeps } from './secret-service-deps.ts';
import { checkExpected, hasReferences, secretKeys, type WriteVersion } from './version-writer.ts';

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

/** A prepared next version with what it was prepared from. */
interface Ready {
  current: Payload;
  next: Prepared;
  facts: Record<string, string> | null;
}

export function secretUpdate({ db, gate, audit, registry, references }: SecretServiceDeps, writeVersion: WriteVersion) {
  const typeOf = (row: SecretRow) => registry.get(row.typeId);
  const checkReferences = referenceChecks(registry, references);
  /** Types whose changes need work outside the write's transaction: slow checks (keys) or references. */
  const needsWorkOutside = (type: CredentialType, input: UpdateSecretInput) =>
    (input.fields !== undefined || (input.generate?.length ?? 0) > 0) && (type.inspects || hasReferences(type));

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
    copiedFrom: string | undefined,
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
            details: { version, changedFields, metadataChanged, ...(copiedFrom ? { copiedFrom } : {}) },
          },
        },
      ]),
    ]);
    return { secret: metadataOf(updated), changed: true };
  }

  /**
   * The next version from the grant's stored payload. Outside a transaction (no lock held) the
   * type's slow checks run too, and derive the facts stored with the version.
   */
  async function ready(
    tx: Executor,
    grant: SecretGrant,
    input: UpdateSecretInput,
    plan: UpdatePlan,
    refusal: (row: SecretRow, error: unknown) => unknown,
    outside: boolean,
  ): Promise<Ready> {
    checkExpected(grant.row, input.expectedVersion);
    const current = await gate.open(tx, grant);
    try {
      const next = prepare(grant.row, current, plan);
      const type = typeOf(grant.row);
      const inspect = outside && type.inspects && plan.fields !== undefined && next.payloadChanged;
      const facts = inspect
        ? (await type.inspect(next.payload, { issues: next.kept.length > 0 ? 'ignore' : 'refuse' })).facts
        : grant.row.facts;
      return { current, next, facts };
    } catch (error) {
      throw refusal(grant.row, error);
    }
  }

  return {
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

      try {
        let first: SecretGrant | undefined;
        /** The grant last read, when the type prepares outside the lock. */
        let seen: SecretGrant | undefined;
        // The first attempt takes the lock first; up to five more prepare outside it.
        for (let attempt = 0; attempt < 6; attempt++) {
          const earlyPlan = seen && planOf(typeOf(seen.row));
          const early = seen && earlyPlan && (await ready(db, seen, input, earlyPlan, refusal, true));
          const outcome = await gate.guard(principal, 'update', ref, () =>
            db.transaction(async (tx): Promise<UpdateResult | { again: SecretGrant }> => {
              const grant = await gate.secret(tx, principal, ref, 'update', { lock: true });
              const plan = earlyPlan ?? planOf(typeOf(grant.row));
              if (early === undefined) {
                // The lock first: the type prepares under it, unless its change needs work outside.
                if (needsWorkOutside(typeOf(grant.row), input)) return { again: grant };
                const now = await ready(tx, grant, input, plan, refusal, false);
                return write(tx, principal, grant.row, now.current, now.next, now.facts, plan.reason, input.copiedFrom);
              }
              // Another writer came between: prepare again from what it left.
              if (grant.row.version !== seen!.row.version) return { again: grant };
              return write(
                tx,
                principal,
                grant.row,
                early.current,
                early.next,
                early.facts,
                plan.reason,
                input.copiedFrom,
              );
            }),
          );
          if (!('again' in outcome)) return outcome;
          seen = outcome.again;
          if (!first) {
            first = seen;
            // References are checked once, before any preparation: the check reads (and may audit) on its own.
            const type = typeOf(first.row);
            if (input.fields && typeof input.fields === 'object' && hasReferences(type))
              await checkReferences(principal, type, input.fields as Record<string, unknown>);
          }
        }
        throw new VersionConflictError(
          first!.row.version,
          (await secretStore.find(db, ref))?.version ?? first!.row.version,
        );
      } catch (error) {
        await auditRefusal();
        throw error;
      }
    },
  };
}
