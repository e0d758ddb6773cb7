/**
 * One-time messages after a redirect (post/redirect/get), carried in short-lived cookies,
 * never in the URL: a link cannot make a page say "Secret deleted." (the query string could),
 * and reloading the page after a POST repeats nothing.
 * - A confirmation is a key into a fixed list of messages (no user text travels).
 * - A new API token, shown once after the redirect, travels sealed with AES-256-GCM under a
 *   key derived from the session cookie: only the browser that created it can read it back,
 *   and it is gone once shown (or after two minutes).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionCookie } from '../plugins/auth.plugin.ts';
import { cookiePath, redirectTo } from './paths.ts';

const messageCookie = 'tresor_flash';
const tokenCookie = 'tresor_new_token';

/** Fixed confirmation messages, chosen by key. */
export const flashes = {
  created: 'Secret created.',
  saved: 'Saved: a new version was written.',
  unchanged: 'Nothing changed, so no new version was written.',
  deleted: 'Secret deleted.',
  shared: 'Shared.',
  unshared: 'Share removed.',
  'rolled-back': 'Rolled back: a new version holds the old values.',
  'setup-done': 'Administrator created. Sign in.',
  'password-changed': 'Password changed. Sign in with the new one.',
  'token-revoked': 'Token revoked.',
} as const;

export type FlashKey = keyof typeof flashes;

/** Redirects to `to`, showing `key`'s message on the next page. */
export function redirectWith(reply: FastifyReply, to: string, key: FlashKey): FastifyReply {
  reply.setCookie(messageCookie, key, { path: cookiePath(reply.request), httpOnly: true, sameSite: 'lax', maxAge: 60 });
  return redirectTo(reply, to);
}

/** The message set by the previous redirect, if any (and clears it). */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const key = request.cookies[messageCookie];
  if (key === undefined) return undefined;
  reply.clearCookie(messageCookie, { path: cookiePath(request) });
  return Object.hasOwn(flashes, key) ? flashes[key as FlashKey] : undefined;
}

function sealingKey(request: FastifyRequest): Buffer | undefined {
  const session = request.cookies[sessionCookie];
  return session ? Buffer.from(hkdfSync('sha256', session, 'tresor', 'new api token', 32)) : undefined;
}

/** Keeps a just-created token for the page the redirect leads to, sealed to this session. */
export function keepNewToken(
  request: FastifyRequest,
  reply: FastifyReply,
  token: { name: string; value: string },
): void {
  const key = sealingKey(request);
  if (!key) return;
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([
    nonce,
    cipher.update(JSON.stringify(token), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  reply.setCookie(tokenCookie, sealed.toString('base64url'), {
    path: '/tokens',
    httpOnly: true,
    sameSite: 'strict',
    maxAge: 120,
  });
}

/** The token kept by `keepNewToken`, once (the cookie is cleared). */
export function takeNewToken(
  request: FastifyRequest,
  reply: FastifyReply,
): { name: string; value: string } | undefined {
  const raw = request.cookies[tokenCookie];
  if (raw === undefined) return undefined;
  reply.clearCookie(tokenCookie, { path: '/tokens' });
  const key = sealingKey(request);
  const sealed = Buffer.from(raw, 'base64url');
  if (!key || sealed.length < 29) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const text = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString(
      'utf8',
    );
    const parsed = JSON.parse(text) as { name?: unknown; value?: unknown };
    return typeof parsed.name === 'string' && typeof parsed.value === 'string'
      ? { name: parsed.name, value: parsed.value }
      : undefined;
  } catch {
    return undefined;
  }
}
