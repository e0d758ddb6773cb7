/**
 * Signing webhook deliveries, in the scheme Stripe and others use: the header
 * `Tresor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
 * endpoint's signing secret. The timestamp is signed too, so a receiver that refuses old
 * timestamps cannot be fed a recorded delivery again later; the delivery id header lets it
 * drop one it has already handled (a delivery can come twice, see webhook.dispatcher.ts).
 *
 * `verifyWebhookSignature` is exported from 'tresor' for receivers written in TypeScript.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'tresor-signature';
export const deliveryHeader = 'tresor-delivery';
export const eventHeader = 'tresor-event';

/** A new signing secret: `whsec_` and 32 random bytes, base64url. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Whether `header` signs `body` (the raw bytes received, as text) with `secret`, within
 * `toleranceSeconds` (default 300) of `now`. Compares in constant time; any `v1` entry may
 * match (a sender may sign with several secrets while one is being replaced).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'no Tresor-Signature header' };
  const parts = header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isSafeInteger(timestamp)) return { ok: false, reason: 'no timestamp in the signature header' };
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300))
    return { ok: false, reason: 'the timestamp is outside the tolerance' };
  const expected = Buffer.from(signatureOf(secret, timestamp, body), 'hex');
  const matches = parts
    .filter(([key, value]) => key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value!, 'hex'), expected));
  return matches ? { ok: true, timestamp } : { ok: false, reason: 'no signature matches' };
}
