/**
 * Who else is told before a secret expires: e-mail addresses set on the secret, besides its
 * owner. Seeing and setting them is for whoever may update the secret — a share recipient
 * does not learn who else is told, as it does not learn who else has the secret; a change is
 * audited with the count, not the addresses.
 */
import { z } from 'zod';
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Database } from '../db/client.ts';
import type { Principal } from '../identity/principal.ts';
import { parseField } from '../validation.ts';
import { noticeStore } from './notice.store.ts';

export const maxNoticeRecipients = 20;

const recipientsSchema = z
  .array(z.email('must be e-mail addresses, e.g. ops@example.com').max(254))
  .max(maxNoticeRecipients, `at most ${maxNoticeRecipients} addresses`)
  .transform((emails) => [...new Set(emails.map((e) => e.trim().toLowerCase()))].sort());

export function noticeRecipientServiceFactory({
  db,
  gate,
  audit,
}: {
  db: Database;
  gate: Pick<AccessGate, 'check' | 'guard' | 'secret'>;
  audit: Pick<AuditService, 'appendInTx'>;
}) {
  return {
    async recipients(principal: Principal, ref: string): Promise<string[]> {
      const grant = await gate.check(principal, ref, 'update');
      return (await noticeStore.recipientsOf(db, [grant.row.id])).get(grant.row.id) ?? [];
    },

    /** Replaces the addresses (an empty list leaves only the owner). */
    async setRecipients(principal: Principal, ref: string, emails: unknown): Promise<string[]> {
      const parsed = parseField(recipientsSchema, emails, 'noticeRecipients');
      return gate.guard(principal, 'update', ref, () =>
        db.transaction(async (tx) => {
          const { row } = await gate.secret(tx, principal, ref, 'update', { lock: true });
          await noticeStore.replaceRecipients(tx, row.id, parsed);
          await audit.appendInTx(tx, [
            {
              actor: principal,
              event: {
                action: 'secret.notice_recipients_changed',
                target: { id: row.id, name: row.name },
                details: { recipients: parsed.length },
              },
            },
          ]);
          return parsed;
        }),
      );
    },
  };
}

export type NoticeRecipientService = ReturnType<typeof noticeRecipientServiceFactory>;
