/**
 * The secret pages' view models: pure functions from what the services answer to what the
 * templates show (and the one place the UI's own texts can later be translated).
 */
import type { CredentialType } from '../../../credentials/index.ts';
import { ValidationError } from '../../../errors.ts';
import type { SecretMetadata } from '../../../secrets/secret-metadata.ts';

/** When notices go out, in words: "30, 7 and 1 days before it expires, and on the day". */
export function noticeSchedule(days: readonly number[]): string {
  if (days.length === 0) return 'on the day it expires';
  const list = days.length === 1 ? String(days[0]) : `${days.slice(0, -1).join(', ')} and ${days.at(-1)}`;
  return `${list} day${days.length === 1 && days[0] === 1 ? '' : 's'} before it expires, and on the day`;
}

/** A type as the pages show it, in the request's locale. */
export const typeView = (t: CredentialType, locale: string) => ({
  id: t.id,
  name: t.in(locale).definition.name,
  description: t.in(locale).definition.description,
  logo: t.definition.logo,
  expiresFrom: t.definition.expiresFrom,
});

/** How a row shows its expiry: a class for the colour and a label in words. */
export function expiry(m: SecretMetadata) {
  if (!m.expiresAt) return {};
  const days = Math.floor((m.expiresAt.getTime() - Date.now()) / 86_400_000);
  if (days < 0) return { expiryClass: 'expired', expiryLabel: 'expired' };
  return { expiryClass: days <= 30 ? 'soon' : '', expiryLabel: days === 0 ? 'expires today' : `expires in ${days} d` };
}

/** A date as a date input holds it (YYYY-MM-DD), or empty. */
export const dateInput = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '');

/** The expiry a form entered: empty is none; the date is the end of that day (UTC). */
export function expiresAtFrom(body: { expiresAt: string }): Date | null {
  const raw = body.expiresAt;
  if (raw === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw)))
    throw ValidationError.field('expiresAt', 'Expires on must be a date as YYYY-MM-DD');
  return new Date(`${raw}T23:59:59.999Z`);
}
