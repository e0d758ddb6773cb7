/**
 * One-time messages after a redirect (post/redirect/get), carried in short-lived cookies,
 * never in the URL: a link cannot make a page say "Secret deleted." (the query string could),
 * and reloading the page after a POST repeats nothing.
 * - A confirmation is a key into a fixed list of messages (no user text travels).
 * - A new API token, shown once after the redirect, travels sealed with AES-256-GCM under a
 *   key derived from the session cookie: only the browser that created it can read it back,
 *   and it is gone once shown (or after two minutes).
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { open, seal } from '../../crypto/aead.ts';
import { resetRequestedAnswer } from '../../identity/account-link.service.ts';
import { cookiePath, redirectTo } from '../paths.ts';
import { sessionCookie } from '../plugins/auth.plugin.ts';

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
  imported: 'Imported: what was created, renamed or skipped is listed under Recent transfers.',
  'notices-saved': 'Saved: expiry notices go to these addresses too.',
  'rolled-back': 'Rolled back: a new version holds the old values.',
  'setup-done': 'Administrator created. Sign in.',
  'password-changed': 'Password changed. Sign in with the new one.',
  'password-changed-tokens-ended':
    'Password changed, and your API tokens were revoked with it: sign in with the new password, ' +
    'run tresor login again, and give scripts new tokens.',
  'token-revoked': 'Token revoked.',
  'language-saved': 'Language saved.',
  'default-space-saved': 'Default space saved: the names you give without a space are looked up there first.',
  'user-created': 'User created.',
  'user-invited': 'Invited: a link to choose a password is on its way (it works for 72 hours).',
  'invite-not-mailed':
    'The user was created, but the invitation could not be mailed: set up an SMTP secret for Tresor’s mail, ' +
    'then choose Invite again.',
  'reset-sent': 'A link to choose a new password is on its way (it works for an hour).',
  'reset-not-mailed': 'The reset link could not be mailed: set up an SMTP secret for Tresor’s mail and try again.',
  'reset-requested': resetRequestedAnswer,
  'password-chosen': 'Password saved. Sign in with it.',
  'passkey-added': 'Passkey added: sign in with it, no password needed.',
  'passkey-removed': 'Passkey removed.',
  'factor-removed': 'Second factor removed: sign-ins ask for your password only.',
  'user-factor-removed': 'Second factor removed: the user sets up a new one at the next sign-in if the policy asks.',
  'user-disabled': 'User disabled: their sessions and tokens have ended.',
  'user-enabled': 'User enabled.',
  'permission-granted': 'Permission granted.',
  'permission-revoked': 'Permission revoked.',
  'group-created': 'Group created.',
  'group-deleted': 'Group deleted.',
  'member-added': 'Member added.',
  'member-removed': 'Member removed.',
  'space-created': 'Space created: give people roles in it below.',
  'space-deleted': 'Space deleted with its secrets and its keys.',
  'space-key-rotated':
    'Key rotated: every value in the space is sealed under its new version, and the old is destroyed.',
  'environment-added': 'Environment added: each secret of the space may now hold a value in it.',
  'environment-removed': 'Environment removed, with every value its secrets held there.',
  'environment-saved': "Saved: a new version of the environment's value was written.",
  'environment-copied': 'Copied: the value is a new version there (nobody saw it).',
  'role-given': 'Role given.',
  'role-removed': 'Role taken away.',
  'oauth2-connected': 'Connected: modules get fresh access tokens from now on.',
  'oauth2-disconnected': 'Connection forgotten: modules are refused the secret until it is connected again.',
  'webhook-saved': 'Endpoint saved.',
  'webhook-removed': 'Endpoint removed with its deliveries.',
  'webhook-redelivered': 'The delivery is queued again: it goes out within seconds.',
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

/**
 * Under a host app's sign-in there is no Tresor session to key a sealed cookie to: a random
 * key of this browser's own (httpOnly, this prefix only) stands in, and the person is mixed
 * in, so another person signed in later in the same browser cannot open it.
 */
const sealKeyCookie = 'tresor_seal';

function sealingKey(request: FastifyRequest, purpose: string, reply?: FastifyReply): Buffer | undefined {
  const session = request.cookies[sessionCookie];
  if (session && !request.server.tresorIdentity) return Buffer.from(hkdfSync('sha256', session, 'tresor', purpose, 32));
  if (!request.server.tresorIdentity || !request.principal) return undefined;
  let material = request.cookies[sealKeyCookie];
  if (!material && reply) {
    material = randomBytes(32).toString('base64url');
    reply.setCookie(sealKeyCookie, material, {
      path: cookiePath(request),
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
    });
  }
  if (!material) return undefined;
  return Buffer.from(hkdfSync('sha256', material, 'tresor', `${purpose}:${request.principal.id}`, 32));
}

export interface SealedCookie {
  name: string;
  /** The key derivation's purpose: a cookie sealed for one purpose never opens as another. */
  purpose: string;
  path(request: FastifyRequest): string;
  maxAgeSeconds: number;
}

const newTokenCookie: SealedCookie = {
  name: tokenCookie,
  purpose: 'new api token',
  // Under the mount prefix (a mounted Tresor at /vault never showed a new token: the cookie went to /tokens).
  path: (request) => `${cookiePath(request).replace(/\/$/, '')}/tokens`,
  maxAgeSeconds: 120,
};

/** A connection test's report, kept for the secret page that the test's redirect leads to. */
const testReportCookie: SealedCookie = {
  name: 'tresor_test_report',
  purpose: 'connection test report',
  // Under the UI's base path (Tresor may be mounted under a prefix in someone else's app).
  path: (request) => cookiePath(request),
  maxAgeSeconds: 60,
};

/** Keeps `value` for the next page, sealed (AES-256-GCM) under a key derived from this session's cookie. */
export function keepSealed(
  request: FastifyRequest,
  reply: FastifyReply,
  cookie: SealedCookie,
  value: unknown,
  /** Refused (false, nothing set) past this many characters: a browser drops a cookie over ~4 KB. */
  maxLength = Number.POSITIVE_INFINITY,
): boolean {
  const key = sealingKey(request, cookie.purpose, reply);
  if (!key) return false;
  // The cookie's name is the associated data: a value sealed for one cookie never opens as another.
  const sealed = seal(key, Buffer.from(JSON.stringify(value), 'utf8'), Buffer.from(cookie.name)).toString('base64url');
  if (sealed.length > maxLength) return false;
  reply.setCookie(cookie.name, sealed, {
    path: cookie.path(request),
    httpOnly: true,
    sameSite: 'strict',
    maxAge: cookie.maxAgeSeconds,
  });
  return true;
}

/** What `keepSealed` kept, once (the cookie is cleared); undefined when absent, expired or not this session's. */
export function takeSealed(request: FastifyRequest, reply: FastifyReply, cookie: SealedCookie): unknown {
  const raw = request.cookies[cookie.name];
  if (raw === undefined) return undefined;
  reply.clearCookie(cookie.name, { path: cookie.path(request) });
  const key = sealingKey(request, cookie.purpose);
  if (!key) return undefined;
  try {
    const text = open(key, Buffer.from(raw, 'base64url'), Buffer.from(cookie.name), 'A kept value');
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch {
    // Another session's, altered or expired: as if absent.
    return undefined;
  }
}

/** Keeps a just-created token for the page the redirect leads to, sealed to this session. */
export function keepNewToken(
  request: FastifyRequest,
  reply: FastifyReply,
  token: { name: string; value: string },
): void {
  keepSealed(request, reply, newTokenCookie, token);
}

/** The token kept by `keepNewToken`, once (the cookie is cleared). */
export function takeNewToken(
  request: FastifyRequest,
  reply: FastifyReply,
): { name: string; value: string } | undefined {
  const parsed = takeSealed(request, reply, newTokenCookie) as { name?: unknown; value?: unknown } | undefined;
  return typeof parsed?.name === 'string' && typeof parsed.value === 'string'
    ? { name: parsed.name, value: parsed.value }
    : undefined;
}

/** A webhook endpoint's new signing secret, shown once on the endpoint's page the redirect leads to. */
const signingSecretCookie: SealedCookie = {
  name: 'tresor_new_signing_secret',
  purpose: 'new webhook signing secret',
  path: (request) => cookiePath(request),
  maxAgeSeconds: 120,
};

export function keepSigningSecret(
  request: FastifyRequest,
  reply: FastifyReply,
  kept: { endpointId: string; secret: string },
): void {
  keepSealed(request, reply, signingSecretCookie, kept);
}

/** The signing secret kept for endpoint `endpointId`, once (the cookie is cleared). */
export function takeSigningSecret(
  request: FastifyRequest,
  reply: FastifyReply,
  endpointId: string,
): string | undefined {
  const kept = takeSealed(request, reply, signingSecretCookie) as
    | { endpointId?: unknown; secret?: unknown }
    | undefined;
  return kept?.endpointId === endpointId && typeof kept.secret === 'string' ? kept.secret : undefined;
}

export interface KeptTestReport {
  secretId: string;
  ok: boolean;
  durationMs: number;
  checks: { name: string; status: string; message: string }[];
}

/** Keeps a connection test's report (no secret values: the framework removed them) for the secret's page. */
export function keepTestReport(request: FastifyRequest, reply: FastifyReply, report: KeptTestReport): void {
  // A cookie holds about 4 KB: long messages are cut, as the page would wrap them anyway.
  const checks = report.checks.slice(0, 12).map((c) => ({ ...c, message: c.message.slice(0, 180) }));
  keepSealed(request, reply, testReportCookie, { ...report, checks });
}

/** The report kept for secret `secretId`, once. */
export function takeTestReport(
  request: FastifyRequest,
  reply: FastifyReply,
  secretId: string,
): KeptTestReport | undefined {
  const kept = takeSealed(request, reply, testReportCookie) as KeptTestReport | undefined;
  return kept && kept.secretId === secretId && Array.isArray(kept.checks) ? kept : undefined;
}

/** Recovery codes just made, shown once on the second-factor page the redirect leads to. */
const recoveryCodesCookie: SealedCookie = {
  name: 'tresor_recovery_codes',
  purpose: 'new recovery codes',
  path: (request) => cookiePath(request),
  maxAgeSeconds: 120,
};

export function keepRecoveryCodes(request: FastifyRequest, reply: FastifyReply, codes: readonly string[]): void {
  keepSealed(request, reply, recoveryCodesCookie, codes);
}

/** The recovery codes kept by `keepRecoveryCodes`, once (the cookie is cleared). */
export function takeRecoveryCodes(request: FastifyRequest, reply: FastifyReply): string[] | undefined {
  const kept = takeSealed(request, reply, recoveryCodesCookie);
  return Array.isArray(kept) && kept.every((c) => typeof c === 'string') ? (kept as string[]) : undefined;
}
