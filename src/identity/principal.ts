/**
 * Who is acting. Every service call names its principal: a signed-in user, a group (a
 * module acting for it, as mail acts for `system`), or Tresor itself (bootstrap, local
 * administration from the CLI, key rotation).
 */
export type Principal =
  | { kind: 'user'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'system' };

export const systemPrincipal: Principal = Object.freeze({ kind: 'system' });

/** The user id to record as creator/updater, when the principal is a user. */
export function actingUserId(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}
