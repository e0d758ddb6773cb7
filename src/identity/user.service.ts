/**
 * Users: creation, authentication, password changes, disabling. Administration needs
 * USER_ADMIN; a user may change their own password. Messages never say whether an
 * e-mail address exists.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { Database } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { AccessDeniedError, ConflictError, NotFoundError, TresorError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { holds, resolvePrincipal } from './access.resolver.ts';
import { displayNameSchema, emailSchema, loginPasswordSchema } from './identity-rules.ts';
import { identityStore, type UserRow } from './identity.store.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import type { Principal } from './principal.ts';

export interface User {
  id: string;
  email: string;
  displayName: string;
  disabled: boolean;
  createdAt: Date;
}

export const userOf = (row: UserRow): User => ({ id: row.id, email: row.email, displayName: row.displayName, disabled: row.disabled, createdAt: row.createdAt });

export interface UserListener {
  /** A user's password changed or the user was disabled: their sessions and tokens must end. */
  credentialsRevoked?(userId: string): Promise<void> | void;
}

export function userServiceFactory({ db, audit, listener = {} }: { db: Database; audit: Pick<AuditService, 'appendInTx' | 'write'>; listener?: UserListener }) {
  async function requireAdmin(principal: Principal): Promise<void> {
    if (!holds(await resolvePrincipal(db, principal), 'USER_ADMIN')) throw new AccessDeniedError('Managing users needs the USER_ADMIN permission');
  }

  async function existing(id: string): Promise<UserRow> {
    const row = await identityStore.userById(db, id);
    if (!row) throw new NotFoundError(`No user ${id}`);
    return row;
  }

  return {
    async create(principal: Principal, input: { email: unknown; displayName?: unknown; password?: unknown }): Promise<User> {
      await requireAdmin(principal);
      const email = parseField(emailSchema, input.email, 'email');
      const displayName = parseField(displayNameSchema, input.displayName ?? email.split('@')[0], 'displayName');
      const passwordHash = input.password === undefined ? null : await hashPassword(parseField(loginPasswordSchema, input.password, 'password'));
      try {
        return await db.transaction(async (tx) => {
          const user = userOf(await identityStore.insertUser(tx, { email, displayName, passwordHash }));
          await audit.appendInTx(tx, [{ actor: principal, event: { action: 'user.created', target: { id: user.id, name: user.email }, details: { administrator: false } } }]);
          return user;
        });
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation) throw new ConflictError(`A user with e-mail ${email} already exists`, 'email');
        throw error;
      }
    },

    /** The user for these credentials; one message for every failure, so nothing is learnt from it. */
    async authenticate(emailInput: unknown, password: unknown, method: 'form' | 'token-exchange' = 'form'): Promise<User> {
      const email = typeof emailInput === 'string' ? emailInput.trim().toLowerCase().slice(0, 320) : '';
      const row = email ? await identityStore.userByEmail(db, email) : undefined;
      const ok = await verifyPassword(row?.passwordHash, typeof password === 'string' ? password : '');
      const target = { id: row?.id ?? null, name: email };
      if (!row || !ok || row.disabled) {
        await audit.write({ actor: row ? { kind: 'user', id: row.id } : { kind: 'system' }, outcome: 'failure', event: { action: 'auth.login_failed', target, details: { method } } });
        throw new TresorError('UNAUTHENTICATED', 'Wrong e-mail or password, or the account is disabled');
      }
      await audit.write({ actor: { kind: 'user', id: row.id }, event: { action: 'auth.login', target, details: { method } } });
      return userOf(row);
    },

    async get(principal: Principal, id: string): Promise<User> {
      if (!(principal.kind === 'user' && principal.id === id)) await requireAdmin(principal);
      return userOf(await existing(id));
    },

    /** The signed-in user and what they hold, for page chrome (which admin links to show). */
    async whoami(principal: Principal): Promise<{ user: User; permissions: string[] }> {
      if (principal.kind !== 'user') throw new AccessDeniedError('Only users have a profile');
      const facts = await resolvePrincipal(db, principal);
      return { user: userOf(await existing(principal.id)), permissions: [...facts.permissions].sort() };
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const row = await identityStore.userByEmail(db, email.trim().toLowerCase());
      return row ? userOf(row) : undefined;
    },

    async list(principal: Principal): Promise<User[]> {
      await requireAdmin(principal);
      return (await identityStore.listUsers(db)).map(userOf);
    },

    async setPassword(principal: Principal, id: string, password: unknown): Promise<void> {
      if (!(principal.kind === 'user' && principal.id === id)) await requireAdmin(principal);
      await existing(id);
      const passwordHash = await hashPassword(parseField(loginPasswordSchema, password, 'password'));
      await db.transaction(async (tx) => {
        const row = await identityStore.updateUser(tx, id, { passwordHash });
        await audit.appendInTx(tx, [{ actor: principal, event: { action: 'user.password_changed', target: { id, name: row!.email }, details: { administrator: false } } }]);
      });
      await listener.credentialsRevoked?.(id);
    },

    async setDisabled(principal: Principal, id: string, disabled: boolean): Promise<User> {
      await requireAdmin(principal);
      if (principal.kind === 'user' && principal.id === id && disabled) throw new ConflictError('You cannot disable your own account', 'disabled');
      await existing(id);
      const row = await db.transaction(async (tx) => {
        const updated = await identityStore.updateUser(tx, id, { disabled });
        await audit.appendInTx(tx, [{ actor: principal, event: { action: disabled ? 'user.disabled' : 'user.enabled', target: { id, name: updated!.email }, details: { administrator: false } } }]);
        return updated!;
      });
      if (disabled) await listener.credentialsRevoked?.(id);
      return userOf(row);
    },
  };
}

export type UserService = ReturnType<typeof userServiceFactory>;
