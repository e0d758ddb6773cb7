/**
 * Tresor's notices assembled: who else is told about a secret (recipients), one run of every
 * notice now (expiry stages, then OAuth2 secrets that need a reconnect), and `schedule()`,
 * what the server does — a run every TRESOR_EXPIRY_CHECK_SECONDS until it stops.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { SystemMailer } from '../modules/mail/system-mailer.ts';
import { reconnectNoticeServiceFactory } from '../oauth2/reconnect-notices.ts';
import {
  type ExpiryNoticeService,
  expiryNoticeServiceFactory,
  type NoticeRunOptions,
  type NoticeRunResult,
} from './expiry-notices.service.ts';
import { type ExpiryScheduler, scheduleExpiryNotices } from './expiry-scheduler.ts';
import { type NoticeRecipientService, noticeRecipientServiceFactory } from './notice-recipients.service.ts';

export type Notices = NoticeRecipientService &
  Pick<ExpiryNoticeService, 'run'> & {
    schedule(): void;
    stop(): Promise<void>;
  };

export function noticesFactory({
  db,
  gate,
  audit,
  registry,
  logger,
  mail,
  settings,
}: {
  db: Database;
  gate: Pick<AccessGate, 'check' | 'guard' | 'secret'>;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  registry: Pick<CredentialRegistry, 'get' | 'find'>;
  logger: Logger;
  mail: SystemMailer;
  settings: { days: readonly number[]; publicUrl: string | undefined; checkSeconds: number };
}): Notices {
  const expiry = expiryNoticeServiceFactory({ db, audit, registry, mail, logger, settings });
  const reconnect = reconnectNoticeServiceFactory({ db, audit, registry, mail, logger, settings });
  const run = async (options: NoticeRunOptions = {}): Promise<NoticeRunResult> => {
    const expired = await expiry.run(options);
    const reconnected = await reconnect.run(options);
    return { ...expired, sent: expired.sent + reconnected.sent, failed: expired.failed + reconnected.failed };
  };
  let scheduler: ExpiryScheduler | undefined;
  return {
    ...noticeRecipientServiceFactory({ db, gate, audit }),
    run,
    schedule() {
      if (scheduler || settings.checkSeconds === 0) return;
      scheduler = scheduleExpiryNotices(() => run(), { intervalMs: settings.checkSeconds * 1000, logger });
    },
    stop: async () => scheduler?.stop(),
  };
}
