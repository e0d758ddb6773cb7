/**
 * Tresor's own mail (notices, invitations, password resets): the mail module acting for
 * `system`, through TRESOR_MAIL_RELAY or the first SMTP secret `system` may use. nodemailer
 * loads with the first mail, not with every start (and never in a CLI command that sends none).
 */
import type { ModuleContext } from '../module-context.ts';
import type { MailModule, MailModuleOptions } from './mail.module.ts';

export type SystemMailer = Pick<MailModule, 'send'>;

export function systemMailer(context: ModuleContext, options: MailModuleOptions): SystemMailer {
  return {
    send: async (...args) => (await import('./mail.module.ts')).mailModule(context, options).send(...args),
  };
}
