/**
 * Going back and going away: a rollback writes a new version holding an old one's payload
 * (history is never rewritten); a delete removes the secret, every version and every data
 * key in one transaction, refusing while configuration names it unless told to force.
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import { parseField } from '../validation.ts';
import { describeReferences, referencesSeenBy } from './references-view.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import { metadataOf, type SecretMetadata } from './secret-metadata.ts';
import { reasonSchema } from './secret-rules.ts';
import type { SecretServiceDeps } from './secret-service-deps.ts';
import { checkExpected, secretKeys, type WriteVersion } from './version-writer.ts';

export function secretHistory({ db, gate, audit, registry }: SecretServiceDeps, writeVersion: WriteVersion) {
  const typeOf = (row: SecretRow) => registry.get(row.typeId);

  return {
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
                  // The space it was in: its rows stay in that space's audit log once the secret is gone.
                  details: { type: row.typeId, version: row.version, spaceId: row.spaceId },
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
