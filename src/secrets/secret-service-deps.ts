/** What the secret service's rooms are built from, and the names they share with their callers. */
import type { AccessGate } from '../access/access.gate.ts';
import type { SecretOperation } from '../access/secret.policy.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { SpaceKeys } from '../crypto/space-keys.ts';
import type { Database } from '../db/client.ts';
import type { ProvidedService } from '../providers/provided.service.ts';
import type { SpaceEnvironments } from '../spaces/space-environments.ts';
import type { ReferenceChecker } from './secret-inputs.ts';

/** The operations a page may ask a secret for before it offers their form. */
export type ChangeOperation = Extract<SecretOperation, 'update' | 'delete' | 'share' | 'unshare' | 'rollback'>;

export interface SecretServiceDeps {
  db: Database;
  gate: Pick<
    AccessGate,
    'secret' | 'guard' | 'check' | 'open' | 'openEnvironment' | 'create' | 'creatable' | 'listing' | 'operations'
  >;
  /** The node's read cache (plain reads only; changes always read the database). */
  cache?: ReadCache;
  /** Checks secretRef fields at save time: whether the saver may use the secret a field names (the use service). */
  references: ReferenceChecker;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  registry: CredentialRegistry;
  spaceKeys: Pick<SpaceKeys, 'sealing'>;
  settings: { versionsKept: number };
  /** Which stored value an environment names, in each space. */
  environments: SpaceEnvironments;
  /** Secrets held outside Tresor: their names are reserved (a stored one would take over their modules). */
  provided?: Pick<ProvidedService, 'active' | 'lookup'>;
}
