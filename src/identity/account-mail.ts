/**
 * The words of the mails that carry a one-time link: an invitation and a password reset.
 * They name the person's own address and the link, nothing else of the account.
 */
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export interface AccountMailFacts {
  email: string;
  link: string;
  expiresAt: Date;
  /** Who invited or reset, when an administrator did. */
  by: string | undefined;
  /** The single sign-on button's label, when Tresor offers one. */
  sso: string | undefined;
}

export function invitationMail(f: AccountMailFacts): { subject: string; text: string } {
  return {
    subject: 'You are invited to Tresor',
    text: [
      `${f.by ?? 'An administrator'} invited you (${f.email}) to Tresor, the team's secret store.`,
      '',
      `Choose your password here (this link works once, until ${utc(f.expiresAt)}):`,
      f.link,
      ...(f.sso ? ['', `Or sign in with ${f.sso} on the sign-in page: no password needed.`] : []),
      '',
      'If you did not expect this, ignore this mail: nothing happens without the link.',
      '— Tresor',
    ].join('\n'),
  };
}

export function resetMail(f: AccountMailFacts): { subject: string; text: string } {
  return {
    subject: 'Reset your Tresor password',
    text: [
      f.by
        ? `${f.by} sent you (${f.email}) a link to choose a new Tresor password.`
        : `Someone (we hope you) asked to reset the Tresor password of ${f.email}.`,
      '',
      `Choose a new password here (this link works once, until ${utc(f.expiresAt)}):`,
      f.link,
      '',
      'Choosing it signs you out everywhere and ends your API tokens.',
      'If you did not ask for this, ignore this mail: your password stays as it is.',
      '— Tresor',
    ].join('\n'),
  };
}
