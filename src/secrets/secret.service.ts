/**
 * The secret service: the one place where secrets are created, changed, versioned, rolled
 * back and deleted. The UI, the API, the CLI and modules all call it. It decides no access
 * itself: every call asks the access gate (`src/access/access.gate.ts`) first, and opens
 * payloads only through the gate's grants. It is the sum of its rooms: creation
 * (`secret-create.ts`), the one update path (`secret-update.ts`), the reads
 * (`secret-reads.ts`) and rollback and delete (`secret-history.ts`), which write versions
 * through one writer (`version-writer.ts`).
 *
 * Invariants kept here: versions are dense from 1; an update that changes nothing writes
 * nothing (but entering a secret value always writes a version: "unchanged" would confirm a
 * guess); concurrent writers queue on the secret's row lock and a stale expected version is
 * refused; a failed call changes nothing (one transaction per call); reads are audited.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { SecretOperation } from '../access/secret.policy.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { KeyService } from '../crypto/key.service.ts';
import type { Database } from '../db/client.ts';
import type { ProvidedService } from '../providers/provided.service.ts';
import { secretCreation } from './secret-create.ts';
import { secretHistory } from './secret-history.ts';
import type { ReferenceChecker } from './secret-inputs.ts';
import { secretReads } from './secret-reads.ts';
import { secretUpdate } from './secret-update.ts';
import { versionWriter } from './version-writer.ts';

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
  /** Checks secretRef fields at save time: whether the saver may use the secret a field names (the use service). */
  references: ReferenceChecker;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  registry: CredentialRegistry;
  keys: Pick<KeyService, 'sealingRing'>;
  settings: { versionsKept: number };
  /** Secrets held outside Tresor: their names are reserved (a stored one would take over their modules). */
  provided?: Pick<ProvidedService, 'active' | 'lookup'>;
}

export function secretServiceFactory(deps: SecretServiceDeps) {
  const writeVersion = versionWriter(deps);
  return {
    ...secretCreation(deps, writeVersion),
    ...secretReads(deps),
    ...secretUpdate(deps, writeVersion),
    ...secretHistory(deps, writeVersion),
  };
}

export type SecretService = ReturnType<typeof secretServiceFactory>;
