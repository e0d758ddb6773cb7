/**
 * The secret service: the one place where secrets are created, changed, versioned, rolled
 * back and deleted. The UI, the API, the CLI and modules all call it. It decides no access
 * itself: every call asks the access gate (`src/access/access.gate.ts`) first, and opens
 * payloads only through the gate's grants. It is the sum of its rooms: creation
 * (`secret-create.ts`), the one update path (`secret-update.ts`), the reads
 * (`secret-reads.ts`), rollback and delete (`secret-history.ts`) and the values of a space's
 * environments (`secret-environments.ts`), which write versions through one writer
 * (`version-writer.ts`).
 *
 * Invariants kept here: versions are dense from 1 (each environment's value on its own); an
 * update that changes nothing writes nothing (but entering a secret value always writes a
 * version: "unchanged" would confirm a guess); concurrent writers queue on the secret's row
 * lock and a stale expected version is refused; a failed call changes nothing (one
 * transaction per call); reads are audited.
 */
import { secretCreation } from './secret-create.ts';
import { secretEnvironments } from './secret-environments.ts';
import { secretHistory } from './secret-history.ts';
import { secretReads } from './secret-reads.ts';
import type { SecretServiceDeps } from './secret-service-deps.ts';
import { secretUpdate } from './secret-update.ts';
import { versionWriter } from './version-writer.ts';

export type {
  CreateSecretInput,
  ListOptions,
  ReferenceChecker,
  UpdateResult,
  UpdateSecretInput,
} from './secret-inputs.ts';

export type { ChangeOperation, SecretServiceDeps } from './secret-service-deps.ts';

export function secretServiceFactory(deps: SecretServiceDeps) {
  const writeVersion = versionWriter(deps);
  const updates = secretUpdate(deps, writeVersion);
  return {
    ...secretCreation(deps, writeVersion),
    ...secretReads(deps),
    ...updates,
    ...secretHistory(deps, writeVersion),
    ...secretEnvironments(deps, writeVersion, updates.update),
  };
}

export type SecretService = ReturnType<typeof secretServiceFactory>;
