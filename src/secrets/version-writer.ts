/**
 * Writing a secret's next version: the payload sealed under its space's current key, the versions
 * past those kept dropped with the same statement, and the names its secretRef fields hold.
 * Create, update and rollback all write their versions here.
 */
import type { CredentialRegistry, CredentialType, Payload } from '../credentials/index.ts';
import { sealPayload } from '../crypto/envelope.ts';
import type { SpaceKeys } from '../crypto/space-keys.ts';
import type { Executor } from '../db/client.ts';
import { VersionConflictError } from '../errors.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import { referenceStore } from './reference.store.ts';
import { type SecretRow, secretStore } from './secret.store.ts';

export interface VersionWriterDeps {
  registry: CredentialRegistry;
  spaceKeys: Pick<SpaceKeys, 'sealing'>;
  settings: { versionsKept: number };
}

/** The keys of a type's secret fields. */
export const secretKeys = (type: CredentialType) => type.definition.fields.filter((f) => f.secret).map((f) => f.key);

/** Whether a type has secretRef fields (only those pay for reference checks and the references statement). */
export const hasReferences = (type: CredentialType) => type.definition.fields.some((f) => f.style === 'secretRef');

/** A stale expected version is refused: the caller read another version than the current one. */
export function checkExpected(row: SecretRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.version) throw new VersionConflictError(expected, row.version);
}

export function versionWriter({ registry, spaceKeys, settings }: VersionWriterDeps) {
  const serialise = (payload: Payload) => Buffer.from(JSON.stringify(payload), 'utf8');

  return async function writeVersion(
    tx: Executor,
    row: SecretRow,
    version: number,
    payload: Payload,
    principal: Principal,
    reason: string,
    /** The secret fields this version's writer entered or cleared (what a compare reports as changed). */
    enteredSecrets: string[],
    /** Whose value this is a version of: '' the secret's own, else an environment of its space. */
    environment = '',
  ): Promise<void> {
    // Sealed under the key of the secret's space (deleting the space destroys it).
    const { ring, keySpaceId } = await spaceKeys.sealing(tx, row.spaceId);
    const sealed = sealPayload(ring, serialise(payload), {
      secretId: row.id,
      version,
      typeId: row.typeId,
      environment,
    });
    // Past the versions kept, the oldest go with the same statement.
    await secretStore.insertVersion(
      tx,
      {
        secretId: row.id,
        environment,
        version,
        ...sealed,
        keySpaceId,
        createdBy: actingUserId(principal),
        reason,
        enteredSecrets,
      },
      version > settings.versionsKept ? version - settings.versionsKept + 1 : undefined,
    );
    // What this version names in secretRef fields (only types that have them pay the statement).
    const type = registry.get(row.typeId);
    if (hasReferences(type))
      await referenceStore.replace(
        tx,
        row.id,
        type.definition.fields
          .filter((f) => f.style === 'secretRef' && typeof payload[f.key] === 'string' && payload[f.key] !== '')
          .map((f) => ({ field: f.key, targetName: String(payload[f.key]) })),
        environment,
      );
  };
}

export type WriteVersion = ReturnType<typeof versionWriter>;
