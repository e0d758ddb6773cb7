/**
 * Needs-reconnect notices: when an authorization server refuses an OAuth2 secret's refresh
 * token, its owner and notice recipients are mailed once, as an expiry notice is, through the
 * SMTP secret usable by `system` — in the same runs (TRESOR_EXPIRY_CHECK_SECONDS, `tresor
 * notices run`). Each notice is claimed for a lease, mailed outside any transaction, then marked
 * sent with its audit row: a node killed midway leaves a claim that lapses, and the next run
 * sends it (the loop is expiry notices' too: lifecycle/claimed-notices.ts). Built from metadata
 * only: a notice cannot carry a token.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { type ClaimedNotice, sendClaimedNotices } from '../lifecycle/claimed-notices.ts';
import type { Logger } from '../logger.ts';
import type { MailModule } from '../modules/mail/mail.module.ts';
import { oauth2Store } from './oauth2.store.ts';

export interface ReconnectNoticeResult {
  sent: number;
  failed: number;
}

export function reconnectMail(facts: {
  secretId: string;
  secretName: string;
  typeName: string;
  publicUrl: string | undefined;
}): { subject: string; text: string } {
  const link = facts.publicUrl ? `${facts.publicUrl.replace(/\/$/, '')}/secrets/${facts.secretId}` : undefined;
  return {
    subject: `Secret "${facts.secretName}" needs a reconnect`,
    text: [
      `The authorization server refused the refresh token of the secret "${facts.secretName}" (${facts.typeName}):`,
      'its grant was revoked or has expired.',
      '',
      'Modules are refused it until someone who may change it connects it again (Connect, on its page).',
      ...(link ? ['', link] : []),
      '',
      'You receive this as its owner or as one of the addresses set to be told about it.',
      '— Tresor',
    ].join('\n'),
  };
}

export function reconnectNoticeServiceFactory({
  db,
  audit,
  registry,
  mail,
  logger,
  settings,
}: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx'>;
  registry: Pick<CredentialRegistry, 'find'>;
  mail: Pick<MailModule, 'send'>;
  logger: Logger;
  settings: { publicUrl: string | undefined };
}) {
  return {
    async run(options: { now?: Date; leaseMs?: number } = {}): Promise<ReconnectNoticeResult> {
      const now = options.now ?? new Date();
      const claimed = await oauth2Store.claimNotices(
        db,
        now,
        new Date(now.getTime() + (options.leaseMs ?? 300_000)),
        200,
      );
      const { sent, failed } = await sendClaimedNotices(
        { db, audit, mail, logger },
        'a needs-reconnect notice',
        claimed.map(
          (notice): ClaimedNotice => ({
            secretId: notice.secretId,
            secretName: notice.name,
            ownerEmail: notice.ownerEmail,
            mail: () =>
              reconnectMail({
                secretId: notice.secretId,
                secretName: notice.name,
                typeName: registry.find(notice.typeId)?.definition.name ?? notice.typeId,
                publicUrl: settings.publicUrl,
              }),
            release: () => oauth2Store.releaseNotice(db, notice.secretId),
            markSent: (tx) => oauth2Store.markNoticeSent(tx, notice.secretId, now),
            event: (recipients) => ({
              action: 'secret.reconnect_notice_sent',
              target: { id: notice.secretId, name: notice.name },
              details: { recipients },
            }),
          }),
        ),
      );
      return { sent, failed };
    },
  };
}

export type ReconnectNoticeService = ReturnType<typeof reconnectNoticeServiceFactory>;
