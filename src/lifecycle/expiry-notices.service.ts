/**
 * Expiry notices. A run, on whichever node gets there
 * first, mails the owner and the notice recipients of every secret whose expiry is N days away
 * (TRESOR_EXPIRY_NOTICE_DAYS) or has come, through the SMTP secret usable by `system`.
 *
 * Each notice is sent once, across restarts and nodes:
 * 1. In one short transaction under a PostgreSQL advisory lock (one node decides at a time; a
 *    node that does not get it skips the run), the due notices are **claimed** for a lease:
 *    a row per (secret, expiry, stage), which a notice already sent or claimed by a live
 *    lease is not handed out of.
 * 2. Each claimed notice is mailed outside any transaction (SMTP must never hold a database
 *    lock: on the embedded database that would stall every request), then marked sent with
 *    its audit row in one transaction. A mail that fails gives its claim back.
 * A node killed between claim and mail leaves a lease that lapses: the next run sends that
 * notice (nothing missed). Killed after the SMTP server accepted the message but before the
 * mark commits — a window of one round trip — the notice would go out again when the lease
 * lapses; that is the one duplicate SMTP cannot rule out, and the lease keeps it rare.
 *
 * Only the stage due now is sent — the smallest whose day has come: a secret created three
 * days before its expiry gets the 7-day notice at once and the 1-day one later, not also the
 * 30-day notice it was never in time for. A new expiry date starts the stages over.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { MailModule } from '../modules/mail/mail.module.ts';
import { type ClaimedNotice, sendClaimedNotices } from './claimed-notices.ts';
import { expiryMail } from './expiry-mail.ts';
import { type DueSecret, noticeStore } from './notice.store.ts';

const day = 86_400_000;
/** A secret that expired longer ago than this before any notice is not mailed about (an old store upgraded). */
const lateLimitDays = 30;
const batch = 200;

export interface NoticeRunOptions {
  /** The time the run takes as now (tests move it; the scheduler passes the clock). */
  now?: Date;
  /** How long a claim holds before another node may send the notice. */
  leaseMs?: number;
}

export interface NoticeRunResult {
  /** False when another node held the run's lock. */
  ran: boolean;
  sent: number;
  failed: number;
  /** Due notices of secrets with no one to tell (no owner, no recipients): recorded, not mailed. */
  nobody: number;
}

/** The stage of a notice due at `now` for an expiry: the smallest of `days` (or 0) whose day has come. */
export function dueStage(expiresAt: Date, now: Date, days: readonly number[]): number | undefined {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return left >= -lateLimitDays * day ? 0 : undefined;
  const reached = days.filter((d) => left <= d * day);
  return reached.length === 0 ? undefined : Math.min(...reached);
}

export function expiryNoticeServiceFactory({
  db,
  audit,
  registry,
  mail,
  logger,
  settings,
}: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx'>;
  registry: Pick<CredentialRegistry, 'get'>;
  mail: Pick<MailModule, 'send'>;
  logger: Logger;
  settings: { days: readonly number[]; publicUrl: string | undefined };
}) {
  const largest = Math.max(0, ...settings.days);
  let running: Promise<NoticeRunResult> | undefined;

  async function claimDue(now: Date, leaseMs: number) {
    return db.transaction(async (tx) => {
      if (!(await noticeStore.tryRunLock(tx))) return undefined;
      const claimed: { secret: DueSecret; daysBefore: number }[] = [];
      const from = new Date(now.getTime() - lateLimitDays * day);
      const to = new Date(now.getTime() + largest * day);
      let after = from;
      for (;;) {
        const secrets = await noticeStore.expiringBetween(tx, after, to, batch);
        const due = secrets.flatMap((secret) => {
          const stage = dueStage(secret.expiresAt, now, settings.days);
          return stage === undefined ? [] : [{ secret, daysBefore: stage }];
        });
        const mine = await noticeStore.claim(
          tx,
          due.map((d) => ({ secretId: d.secret.id, expiresAt: d.secret.expiresAt, daysBefore: d.daysBefore })),
          now,
          new Date(now.getTime() + leaseMs),
        );
        const won = new Set(mine.map((m) => `${m.secretId}/${m.daysBefore}`));
        claimed.push(...due.filter((d) => won.has(`${d.secret.id}/${d.daysBefore}`)));
        if (secrets.length < batch) break;
        // Ties on the last expiry are read again; the claim hands each notice out once.
        const last = secrets.at(-1)!.expiresAt;
        if (last.getTime() === after.getTime()) break;
        after = last;
      }
      return claimed;
    });
  }

  async function runOnce(options: NoticeRunOptions): Promise<NoticeRunResult> {
    const now = options.now ?? new Date();
    const claimed = await claimDue(now, options.leaseMs ?? 5 * 60_000);
    if (!claimed) return { ran: false, sent: 0, failed: 0, nobody: 0 };
    const result = await sendClaimedNotices(
      { db, audit, mail, logger },
      'an expiry notice',
      claimed.map(({ secret, daysBefore }): ClaimedNotice => {
        const key = { secretId: secret.id, expiresAt: secret.expiresAt, daysBefore };
        return {
          secretId: secret.id,
          secretName: secret.name,
          ownerEmail: secret.ownerEmail,
          mail: () =>
            expiryMail(
              {
                secretId: secret.id,
                // Named as people refer to it: which team's `db` expires matters.
                secretName: secret.ref,
                typeName: registry.get(secret.typeId).definition.name,
                expiresAt: secret.expiresAt,
                publicUrl: settings.publicUrl,
              },
              now,
            ),
          release: () => noticeStore.release(db, key, now),
          markSent: (tx, recipients) => noticeStore.markSent(tx, key, now, recipients),
          event: (recipients) => ({
            action: 'secret.expiry_notice_sent',
            target: { id: secret.id, name: secret.name },
            details: { daysBefore, expiresAt: secret.expiresAt.toISOString(), recipients },
          }),
        };
      }),
    );
    return { ran: true, ...result };
  }

  return {
    /** One run; a second call while one is running waits for it instead of starting another. */
    run(options: NoticeRunOptions = {}): Promise<NoticeRunResult> {
      running ??= runOnce(options).finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}

export type ExpiryNoticeService = ReturnType<typeof expiryNoticeServiceFactory>;
