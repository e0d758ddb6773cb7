/**
 * The sharing engine's write side: share a secret with a user (it appears in their store)
 * or a group (its members' modules may use it), and take shares back. Owners (with
 * SECRET_MANAGEMENT_UPDATE) and SECRET_MANAGEMENT holders may; recipients may not re-share.
 * A type's sharing rule (SMTP must stay shared with `system`) cannot be undone here.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { Recipient } from '../access/secret.policy.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { identityStore } from '../identity/identity.store.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import { type ShareRow, shareStore } from './share.store.ts';

export type ShareTarget = { user: string } | { group: string };

export interface Share {
  id: string;
  kind: 'user' | 'group';
  /** The user's id or the group's id. */
  principalId: string;
  /** The user's e-mail or the group's name. */
  label: string;
  createdAt: Date;
}

const shareOf = (row: ShareRow): Share =>
  row.userId
    ? { id: row.id, kind: 'user', principalId: row.userId, label: row.email ?? row.userId, createdAt: row.createdAt }
    : {
        id: row.id,
        kind: 'group',
        principalId: row.groupId!,
        label: row.groupName ?? row.groupId!,
        createdAt: row.createdAt,
      };

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export function shareServiceFactory({
  db,
  gate,
  registry,
  audit,
}: {
  db: Database;
  gate: Pick<AccessGate, 'secret' | 'guard' | 'check' | 'shareTo'>;
  registry: CredentialRegistry;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
}) {
  /**
   * The recipient, resolved only after the sharer passed the gate, so nobody learns which
   * e-mails or groups exist by sharing a secret they cannot share. A target that does not
   * exist, is disabled, or may not be shared with answers alike.
   */
  async function resolveTarget(target: ShareTarget): Promise<Recipient> {
    if ('user' in target && typeof target.user === 'string') {
      const ref = target.user.trim();
      const user = isUuid(ref)
        ? await identityStore.userById(db, ref)
        : await identityStore.userByEmail(db, ref.toLowerCase());
      if (!user || user.disabled)
        throw ValidationError.field('user', `Cannot share with "${ref}": no active user you may share with`);
      return { userId: user.id };
    }
    if ('group' in target && typeof target.group === 'string') {
      const ref = target.group.trim();
      const group = isUuid(ref) ? await identityStore.groupById(db, ref) : await identityStore.groupByName(db, ref);
      if (!group) throw ValidationError.field('group', `Cannot share with "${ref}": no group you may share with`);
      return { groupId: group.id };
    }
    throw ValidationError.field('user', 'Name a user (e-mail or id) or a group (name or id) to share with');
  }

  return {
    async share(principal: Principal, ref: string, target: ShareTarget): Promise<Share> {
      await gate.check(principal, ref, 'share');
      const recipient = await resolveTarget(target);
      return gate.guard(principal, 'share', ref, () =>
        db.transaction(async (tx) => {
          const grant = await gate.secret(tx, principal, ref, 'share', { lock: true });
          const { row } = grant;
          gate.shareTo(grant, recipient);
          if ('userId' in recipient && recipient.userId === row.ownerId)
            throw ValidationError.field('user', 'The owner already has this secret');
          try {
            const id = await tx.transaction(async (savepoint) =>
              shareStore.insert(savepoint, { secretId: row.id, ...recipient, createdBy: actingUserId(principal) }),
            );
            const share = shareOf((await shareStore.find(tx, row.id, id))!);
            await audit.appendInTx(tx, [
              {
                actor: principal,
                event: {
                  action: 'secret.shared',
                  target: { id: row.id, name: row.name },
                  details: { recipientKind: share.kind, recipientId: share.principalId, recipient: share.label },
                },
              },
            ]);
            return share;
          } catch (error) {
            if (pgErrorCode(error) === uniqueViolation)
              throw new ConflictError(
                `Secret "${row.name}" is already shared there`,
                'userId' in recipient ? 'user' : 'group',
              );
            throw error;
          }
        }),
      );
    },

    async unshare(principal: Principal, ref: string, shareId: string): Promise<void> {
      await gate.guard(principal, 'unshare', ref, () =>
        db.transaction(async (tx) => {
          const { row } = await gate.secret(tx, principal, ref, 'unshare', { lock: true });
          const share = isUuid(shareId) ? await shareStore.find(tx, row.id, shareId) : undefined;
          if (!share) throw new NotFoundError(`Secret "${row.name}" has no share ${shareId}`);
          const rule = registry.find(row.typeId)?.definition.sharing;
          if (rule && share.groupName === rule.requiredGroup) {
            throw new ConflictError(
              `${registry.get(row.typeId).definition.name} secrets must stay shared with group "${rule.requiredGroup}"`,
            );
          }
          await shareStore.delete(tx, row.id, share.id);
          const gone = shareOf(share);
          await audit.appendInTx(tx, [
            {
              actor: principal,
              event: {
                action: 'secret.unshared',
                target: { id: row.id, name: row.name },
                details: { recipientKind: gone.kind, recipientId: gone.principalId, recipient: gone.label },
              },
            },
          ]);
        }),
      );
    },

    async shares(principal: Principal, ref: string): Promise<Share[]> {
      const { row } = await gate.check(principal, ref, 'holders');
      await audit.write({
        actor: principal,
        event: { action: 'secret.read', target: { id: row.id, name: row.name }, details: { view: 'shares' } },
      });
      return (await shareStore.list(db, row.id)).map(shareOf);
    },
  };
}

export type ShareService = ReturnType<typeof shareServiceFactory>;
