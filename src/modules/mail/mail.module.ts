/**
 * Mail: sends through an SMTP credential with nodemailer. By default it acts for the
 * `system` group; callers may name a secret or act for another principal. The credential is
 * fetched on every send, so an updated secret is used at once, without restart, and no
 * password is kept in memory.
 *
 * Which relay, when the caller names none — one rule, the same for every mail Tresor sends:
 * the one TRESOR_MAIL_RELAY names (`relay`); else the first SMTP secret the principal may use,
 * provided ones (environment, mounted files) before stored ones, stored ones oldest first. A
 * relay added later never takes mail over from the one in use.
 */
import nodemailer from 'nodemailer';
import { Smtp } from '../../../credential-types/smtp.ts';
import { TresorError, UpstreamError, ValidationError } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';
import type { ModuleContext } from '../module-context.ts';

export interface MailMessage {
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
  /** Defaults to the credential's sender address. */
  from?: string;
}

export interface SendOptions {
  /** Who the mail is sent for; default: the `system` group. */
  as?: Principal;
  /** The SMTP secret to use; default: the only one usable by `as`. */
  secret?: string;
}

export interface MailModuleOptions {
  /** TLS trust for servers with a private CA (PEM); system roots otherwise. */
  ca?: string | Buffer;
  /** Milliseconds before a connection attempt gives up. */
  timeoutMs?: number;
  /** The SMTP secret to send through when a send names none (TRESOR_MAIL_RELAY). */
  relay?: string;
}

export interface SentMail {
  messageId: string;
  accepted: string[];
  secret: string;
}

export function mailModule(context: ModuleContext, options: MailModuleOptions = {}) {
  async function credential(send: SendOptions): Promise<{ name: string; smtp: Smtp }> {
    const as = send.as ?? (await context.groupPrincipal('system'));
    let name = send.secret ?? options.relay;
    if (!name) {
      const [first] = await context.findUsable(Smtp, as);
      if (!first)
        throw new TresorError(
          'NOT_FOUND',
          'No SMTP secret is usable: create one (it is shared with system automatically)',
        );
      name = first.name;
    }
    const { metadata, value } = await context.use(Smtp, as, name, { module: 'mail' });
    return { name: metadata.name, smtp: value };
  }

  return {
    async send(message: MailMessage, send: SendOptions = {}): Promise<SentMail> {
      const { name, smtp } = await credential(send);
      const from = message.from ?? smtp.from;
      if (!from)
        throw ValidationError.field(
          'from',
          `Give the message a from address, or set the sender address of SMTP secret "${name}"`,
        );
      // Connects to an address the egress policy returned; the name stays for TLS (SNI, certificate check).
      const [address] = await context.egress.resolve(smtp.host);
      const transport = nodemailer.createTransport(smtp.transportOptions(address, options));
      try {
        const info = await transport.sendMail({
          from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
        return { messageId: info.messageId, accepted: info.accepted.map(String), secret: name };
      } catch (error) {
        const e = error as { code?: string; responseCode?: number };
        const where = `${smtp.host}:${smtp.port}`;
        if (e.code === 'EAUTH')
          throw new UpstreamError(
            `The SMTP server ${where} refused the username and password of secret "${name}" ` +
              `(${e.responseCode ?? 'authentication failed'}); update the secret`,
            error,
          );
        if (e.code === 'ESOCKET' || e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT')
          throw new UpstreamError(`Cannot reach the SMTP server ${where} of secret "${name}" (${e.code})`, error);
        throw new UpstreamError(
          `The SMTP server ${where} did not accept the message (${e.code ?? 'error'} ${e.responseCode ?? ''})`.trim(),
          error,
        );
      } finally {
        transport.close();
      }
    },
  };
}

export type MailModule = ReturnType<typeof mailModule>;
