/**
 * The words of an expiry notice: which secret, of which type, when it expires and where to
 * renew it. Built only from metadata (the name, the type's name, the date): a notice has no
 * way to carry a value.
 */
const day = 86_400_000;

export interface NoticeFacts {
  secretId: string;
  secretName: string;
  typeName: string;
  expiresAt: Date;
  /** Tresor's public address, for the link; none when unknown. */
  publicUrl: string | undefined;
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function expiryMail(facts: NoticeFacts, now: Date): { subject: string; text: string } {
  const left = Math.ceil((facts.expiresAt.getTime() - now.getTime()) / day);
  const subject =
    left <= 0
      ? `Secret "${facts.secretName}" has expired`
      : left === 1
        ? `Secret "${facts.secretName}" expires tomorrow`
        : `Secret "${facts.secretName}" expires in ${left} days`;
  const link = facts.publicUrl ? `${facts.publicUrl.replace(/\/$/, '')}/secrets/${facts.secretId}` : undefined;
  const lines = [
    left <= 0
      ? `The secret "${facts.secretName}" (${facts.typeName}) expired on ${utc(facts.expiresAt)}.`
      : `The secret "${facts.secretName}" (${facts.typeName}) expires on ${utc(facts.expiresAt)}.`,
    '',
    left <= 0
      ? 'Modules that use it are refused it now. Give it new values or a new expiry date.'
      : 'Give it new values, or a new expiry date, before then: ' +
        'modules that use it are refused it once it has expired.',
    ...(link ? ['', link] : []),
    '',
    'You receive this as its owner or as one of the addresses set to be told about it.',
    '— Tresor',
  ];
  return { subject, text: lines.join('\n') };
}
