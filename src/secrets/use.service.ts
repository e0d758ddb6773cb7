/**
 * How modules consume credentials: `use(Type, principal, nameOrId)` returns a typed,
 * decrypted instance when the principal owns the secret, has it shared directly, or stands
 * in a group it is shared with. Unknown and not-allowed look the same to the caller;
 * wrong type and expired are distinct errors. Each use stamps "last used" (coalesced).
 */
import type { CredentialClass, CredentialRegistry, CredentialType, Payload } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { TresorError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { LastUsedRecorder } from './last-used.recorder.ts';
import { metadataOf, type SecretMetadata } from './secret-metadata.ts';
import { withAuditContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { auditingDenials } from '../audit/denials.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import { authorize, factsOf } from './secret-access.ts';
import type { SecretService } from './secret.service.ts';
import { type SecretRow, secretStore } from './secret.store.ts';

export interface UseOptions {
  /** The consuming module, for the audit trail (e.g. "mail"). */
  module?: string;
}

export interface Used<T extends object> {
  metadata: SecretMetadata;
  value: T;
}

export function useServiceFactory({ db, registry, secrets, lastUsed, audit, cache }: { db: Database; registry: CredentialRegistry; secrets: Pick<SecretService, 'openUnchecked'>; lastUsed: LastUsedRecorder; audit: Pick<AuditService, 'write'>; cache?: ReadCache }) {
  /** Opens an authorised row: refuses it when expired, stamps the use and reports it. */
  async function consume(row: SecretRow, principal: Principal, options: UseOptions): Promise<{ metadata: SecretMetadata; type: CredentialType; payload: Payload }> {
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) {
      throw new TresorError('EXPIRED', `Secret "${row.name}" expired on ${row.expiresAt.toISOString()}; renew it before use`);
    }
    const opened = await secrets.openUnchecked(row);
    // Fail closed: the value is handed out only once its use is on record.
    const record = () => audit.write({ actor: principal, event: { action: 'secret.used', target: { id: row.id, name: row.name }, details: { type: row.typeId, version: row.version } } });
    await (options.module ? withAuditContext({ module: options.module }, record) : record());
    lastUsed.record(row.id);
    return opened;
  }

  return {
    /** The opened payload of a secret the principal may use, whatever its type (for expressions). */
    async useAny(principal: Principal, ref: string, options: UseOptions = {}) {
      const { row } = await auditingDenials(audit, principal, 'use', ref, () => authorize(db, principal, ref, 'use', { ...(cache ? { cache } : {}) }));
      return consume(row, principal, options);
    },

    async use<T extends object>(ctor: CredentialClass<T>, principal: Principal, ref: string, options: UseOptions = {}): Promise<Used<T>> {
      const wanted = registry.of(ctor);
      const { row } = await auditingDenials(audit, principal, 'use', ref, () => authorize(db, principal, ref, 'use', { ...(cache ? { cache } : {}) }));
      if (row.typeId !== wanted.id) {
        throw new TresorError('WRONG_TYPE', `Secret "${row.name}" is a ${registry.find(row.typeId)?.definition.name ?? row.typeId}, not a ${wanted.definition.name}`);
      }
      const opened = await consume(row, principal, options);
      return { metadata: opened.metadata, value: wanted.hydrate(opened.payload) };
    },

    /**
     * Whether the principal may use the secret (access, expiry), without opening it or
     * recording a use: for checking references at save time.
     */
    async checkUsable(principal: Principal, ref: string): Promise<{ metadata: SecretMetadata; type: CredentialType }> {
      const { row } = await auditingDenials(audit, principal, 'use', ref, () => authorize(db, principal, ref, 'use', { ...(cache ? { cache } : {}) }));
      if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw new TresorError('EXPIRED', `Secret "${row.name}" expired on ${row.expiresAt.toISOString()}; renew it before use`);
      return { metadata: metadataOf(row), type: registry.get(row.typeId) };
    },

    /** What the principal's modules may use, of one type: unexpired, by name. */
    async findUsable<T extends object>(ctor: CredentialClass<T>, principal: Principal): Promise<SecretMetadata[]> {
      const type = registry.of(ctor);
      const facts = await factsOf(db, principal, cache);
      if (!facts.active || facts.isSystem) return [];
      const rows = await secretStore.list(db, { typeId: type.id, unexpired: true, usableBy: { userId: facts.userId, groupIds: [...facts.groupIds] } }, { limit: 500 });
      return rows.map(metadataOf);
    },
  };
}

export type UseService = ReturnType<typeof useServiceFactory>;
