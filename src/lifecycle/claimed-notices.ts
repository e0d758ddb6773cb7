/**
 * Mailing notices a run has claimed (expiry notices, needs-reconnect notices): each one to the
 * secret's owner and its notice recipients, outside any transaction (SMTP must never hold a
 * database lock), then marked sent with its audit row in one transaction. A mail that fails
 * gives its claim back, for the next run. A notice is built from metadata only.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { AuditEvent } from '../audit/audit-events.ts';
import type { Database, Executor } from '../db/client.ts';
import { systemPrincipal } from '../identity/principal.ts';
import type { Logger } from '../logger.ts';
import type { MailModule } from '../modules/mail/mail.module.ts';
import { noticeAddresses, noticeStore } from './notice.store.ts';

/** One claimed notice: its secret, its mail, and how its claim is given back or settled. */
export interface ClaimedNotice {
  secretId: string;
  secretName: string;
  ownerEmail: string | null;
  mail(): { subject: string; text: string };
  /** Gives the claim back (the mail could not go out): the next run tries again. */
  release(): Promise<void>;
  /** Marks the notice sent to `recipients` addresses, in the transaction that records it. */
  markSent(tx: Executor, recipients: number): Promise<void>;
  /** The audit row that records it (the recipients' count is added). */
  event(recipients: number): AuditEvent;
}

export interface ClaimedNoticeResult {
  sent: number;
  failed: number;
  /** Notices of secrets with no one to tell (no owner, no recipients): recorded, not mailed. */
  nobody: number;
}

export async function sendClaimedNotices(
  deps: {
    db: Database;
    audit: Pick<AuditService, 'appendInTx'>;
    mail: Pick<MailModule, 'send'>;
    logger: Logger;
  },
  /** What the notices are, in the log line of a mail that failed ("an expiry notice"). */
  what: string,
  claimed: readonly ClaimedNotice[],
): Promise<ClaimedNoticeResult> {
  const { db, audit, mail, logger } = deps;
  const extra = await noticeStore.recipientsOf(
    db,
    claimed.map((c) => c.secretId),
  );
  const result: ClaimedNoticeResult = { sent: 0, failed: 0, nobody: 0 };
  for (const notice of claimed) {
    const to = noticeAddresses(notice.ownerEmail, extra.get(notice.secretId));
    try {
      if (to.length > 0) await mail.send({ to, ...notice.mail() });
    } catch (error) {
      result.failed++;
      // Its message names the SMTP secret and server, never a value (mail.module.ts).
      logger.warn({ secret: notice.secretName, err: error }, `could not send ${what}; the next run tries again`);
      await notice.release();
      continue;
    }
    await db.transaction(async (tx) => {
      await notice.markSent(tx, to.length);
      await audit.appendInTx(tx, [{ actor: systemPrincipal, event: notice.event(to.length) }]);
    });
    if (to.length > 0) result.sent++;
    else result.nobody++;
  }
  return result;
}
