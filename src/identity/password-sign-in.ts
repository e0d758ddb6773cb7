/**
 * Every door that takes a password (the sign-in page, POST /auth/token, `tresor login`) asks
 * here: the directory first when LDAP is configured, then Tresor's own accounts. A login the
 * directory does not know, or a directory that cannot be reached, falls through to the local
 * accounts (the first administrator and break-glass accounts keep working when it is down);
 * a wrong directory password falls through only for a login that has a local password.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { Database } from '../db/client.ts';
import { TresorError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { identityStore } from './identity.store.ts';
import type { LdapOutcome, LdapSignIn } from './ldap/ldap-sign-in.service.ts';
import { recordableLogin, type User, type UserService } from './user.service.ts';

export function passwordSignInFactory({
  db,
  users,
  ldap,
  audit,
  logger,
}: {
  db: Database;
  users: Pick<UserService, 'authenticate'>;
  ldap: LdapSignIn | undefined;
  audit: Pick<AuditService, 'write'>;
  logger: Logger;
}) {
  async function hasLocalPassword(login: unknown): Promise<boolean> {
    if (typeof login !== 'string') return false;
    const row = await identityStore.userByEmail(db, login.trim().toLowerCase().slice(0, 320));
    return Boolean(row?.passwordHash);
  }

  return async function signInWithPassword(
    login: unknown,
    password: unknown,
    method: 'form' | 'token-exchange' = 'form',
  ): Promise<User> {
    if (ldap) {
      let outcome: LdapOutcome | Error;
      try {
        outcome = await ldap.authenticate(login, password);
      } catch (error) {
        if (!(error instanceof TresorError)) throw error;
        outcome = error;
      }
      if (!(outcome instanceof Error) && outcome.kind === 'signed-in') {
        const { user } = outcome;
        await audit.write({
          actor: { kind: 'user', id: user.id },
          event: { action: 'auth.login', target: { id: user.id, name: user.email }, details: { method: 'ldap' } },
        });
        return user;
      }
      if (outcome instanceof TresorError && outcome.code === 'UPSTREAM_FAILED')
        logger.warn({ err: outcome }, 'LDAP sign-in: the directory is away; local accounts only');
      else if (outcome instanceof TresorError && outcome.code !== 'UNAUTHENTICATED') throw outcome;
      else if (outcome instanceof TresorError && !(await hasLocalPassword(login))) {
        await audit.write({
          actor: { kind: 'system' },
          outcome: 'failure',
          event: {
            action: 'auth.login_failed',
            target: { id: null, name: recordableLogin(typeof login === 'string' ? login.trim() : '') },
            details: { method: 'ldap' },
          },
        });
        throw outcome;
      }
    }
    return users.authenticate(login, password, method);
  };
}

export type PasswordSignIn = ReturnType<typeof passwordSignInFactory>;
