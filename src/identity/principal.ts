/**
 * Who is acting. Every service call names its principal: a signed-in user, a group (a
 * module acting for it, as mail acts for `system`), or Tresor itself (bootstrap, local
 * administration from the CLI, key rotation).
 *
 * A user principal may carry how it signed in: `via` (a web session or an API token) and
 * the token's `scope`. In-process callers (modules, tests) leave both out and act with the
 * user's full rights; the access gate applies scope and `via` where they are set.
 */
export type TokenScope = 'read' | 'full';

export const tokenScopes: readonly TokenScope[] = ['read', 'full'];

export interface UserPrincipal {
  kind: 'user';
  id: string;
  via?: 'session' | 'token';
  /** A token's scope: `read` may read metadata only. Absent: full. */
  scope?: TokenScope;
  /** The token or session this request came with, and when it ends: tokens it mints never outlive it. */
  credential?: { tokenId?: string; expiresAt: Date | null; signedInAt?: Date; factorAt?: Date | null };
}

export type Principal = UserPrincipal | { kind: 'group'; id: string } | { kind: 'system' };

export const systemPrincipal: Principal = Object.freeze({ kind: 'system' });

/** The user id to record as creator/updater, when the principal is a user. */
export function actingUserId(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}

/** The key a principal's facts are cached under (scope and credential do not change the facts). */
export const principalKey = (p: Principal) => (p.kind === 'system' ? 'system' : `${p.kind}:${p.id}`);
