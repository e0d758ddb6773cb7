/**
 * One attempt at each secret operation of the policy, through the services as the UI, API, CLI
 * and modules reach them: 'allow', or 'deny' for a refusal (access denied or not found). Shared
 * by the authorisation matrices (Tresor's own principals, a host app's, spaces).
 */
import type { SecretOperation } from '../../src/access/secret.policy.ts';
import type { Principal } from '../../src/identity/principal.ts';
import type { Tresor } from '../../src/tresor.ts';

/** The secret an attempt acts on: `ref` finds it (an id or `space/name`); `shareId` is a share to remove. */
export interface AttemptTarget {
  id: string;
  ref: string;
  shareId: string;
}

export async function attemptOperation(
  tresor: Tresor,
  operation: SecretOperation,
  actor: Principal,
  s: AttemptTarget,
  /** Whom `share` shares with. */
  recipientEmail: string,
): Promise<'allow' | 'deny'> {
  const run: Record<SecretOperation, () => Promise<unknown>> = {
    view: async () => {
      const store = await tresor.secrets.list(actor, { limit: 500 });
      if (!store.some((m) => m.id === s.id)) throw Object.assign(new Error('not in store'), { code: 'NOT_FOUND' });
    },
    read: () => tresor.secrets.describe(actor, s.ref),
    update: () => tresor.secrets.update(actor, s.ref, { description: 'changed' }),
    delete: () => tresor.secrets.delete(actor, s.ref),
    share: () => tresor.shares.share(actor, s.ref, { user: recipientEmail }),
    unshare: () => tresor.shares.unshare(actor, s.ref, s.shareId),
    versions: () => tresor.secrets.versions(actor, s.ref),
    rollback: () => tresor.secrets.rollback(actor, s.ref, 1),
    use: () => tresor.usage.useAny(actor, s.ref),
    // Values into an archive: Tresor itself and SECRET_EXPORT holders only, which no relation here is.
    export: () => tresor.transfer.exportArchive(actor, { passphrase: 'matrix passphrase', only: [s.id] }),
    // Whom it is shared with: a recipient uses it without learning who else holds it.
    holders: () => tresor.shares.shares(actor, s.ref),
  };
  try {
    await run[operation]();
    return 'allow';
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ACCESS_DENIED' && code !== 'NOT_FOUND') throw error;
    return 'deny';
  }
}
