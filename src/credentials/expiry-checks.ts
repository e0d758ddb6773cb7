/** Connection-test checks about dates, shared by the built-in types (certificate, API key). */
import { failed, passed, type TestCheck } from './connection-test.ts';

const dayMs = 86_400_000;
/** How soon an expiry counts as close enough to act on (Let's Encrypt renews at 30 days too). */
export const expiryWarningDays = 30;

const day = (at: Date) => at.toISOString().slice(0, 10);

/** Whether `expiresAt` has passed, and whether it comes within 30 days of `now`. */
export function expiryChecks(expiresAt: Date, now: Date): TestCheck[] {
  const left = Math.floor((expiresAt.getTime() - now.getTime()) / dayMs);
  if (expiresAt.getTime() <= now.getTime()) return [failed('Not expired', `Expired on ${day(expiresAt)}`)];
  const notExpired = passed('Not expired', `Valid until ${day(expiresAt)}`);
  if (left < expiryWarningDays)
    return [
      notExpired,
      failed(
        `Valid for ${expiryWarningDays} more days`,
        `Expires on ${day(expiresAt)}, in ${left} day${left === 1 ? '' : 's'}: renew it`,
      ),
    ];
  return [notExpired, passed(`Valid for ${expiryWarningDays} more days`, `${left} days left`)];
}

/** Whether `validFrom` has come. */
export function validFromCheck(validFrom: Date, now: Date): TestCheck {
  return validFrom.getTime() > now.getTime()
    ? failed('Already valid', `Not valid before ${day(validFrom)}`)
    : passed('Already valid', `Valid since ${day(validFrom)}`);
}
