/**
 * Users: creation, authentication, password changes, disabling. Who may do which is the
 * access gate's decision (USER_ADMIN, never on oneself or on a user who holds more); a user
 * changes their own password in a signed-in session, with the current one. Messages never
 * say whether an e-mail address exists.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { AccessDeniedError, ConflictError, NotFoundError, TresorError, ValidationError } from '../errors.ts';
import { type Locale, sourceLocale } from '../i18n/locale.ts';
import { parseField } from '../validation.ts';
import { identityStore, type UserRow } from './identity.store.ts';
import { displayNameSchema, emailSchema } from './identity-rules.ts';
import type { LoginPasswords } from './login-password.ts';
import { type LoginThrottle, loginThrottle } from './login-throttle.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import type { Principal } from './principal.ts';

export interface User {
  id: string;
  email: string;
  displayName: string;
  disabled: boolean;
  /** An administrator reset the password: the user must choose a new one before anything else. */
  mustChangePassword: boolean;
  /** The language the web UI speaks to the user; null: the browser's choice. */
  locale: string | null;
  /** No password in Tresor: the user signs in through a source (single sign-on, a directory, a host). */
  signsInElsewhere: boolean;
  createdAt: Date;
}

export const userOf = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  displayName: row.displayName,
  disabled: row.disabled,
  mustChangePassword: row.mustChangePassword,
  locale: row.locale,
  signsInElsewhere: row.passwordHash === null,
  createdAt: row.createdAt,
});

/**
 * What a login form's e-mail field may be recorded as: an address, or nothing of what was typed (it may be a
 * password).
 */
export function recordableLogin(email: string): string {
  return /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email) ? email : '(not an e-mail address)';
}

/**
 * Only Tresor itself (local mode: the host's operator, the first administrator, break-glass
 * accounts) sets a password for another person: an administrator who chose a user's password
 * could sign in as that puppet and use what is shared with it. Everyone else invites.
 */
export function refuseOthersPassword(principal: Principal, password: unknown): void {
  if (password !== undefined && principal.kind !== 'system')
    throw ValidationError.field(
      'password',
      'Tresor does not take a password for another person: invite them, and they choose their own',
    );
}

export interface UserListener {
  /** A user's password changed or the user was disabled: their sessions and tokens must end. */
  /**
   * Runs inside the change's own transaction, before its notice is sent: every node drops
   * its cached tokens on the notice, and by then the tokens are already revoked in the
   * database, so no node can cache a live copy again.
   */
  credentialsRevoked?(userId: string, tx: Executor): Promise<void> | void;
}

export interface UserServiceDeps {
  db: Database;
  gate: Pick<AccessGate, 'require' | 'userAction' | 'readUser' | 'requireChange' | 'facts'>;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  listener?: UserListener;
  throttle?: LoginThrottle;
  /** The locales a user may choose (those Tresor and its types speak); English only when absent. */
  locales?: () => readonly Locale[];
  /** Single sign-on only: local passwords work for the break-glass accounts (lower-cased e-mails) alone. */
  passwords?: { ssoOnly: boolean; breakGlass: readonly string[] };
  /** The login password rule (strength as for a stored Password secret). */
  loginPasswords: LoginPasswords;
}

export function userServiceFactory({
  db,
  gate,
  audit,
  listener = {},
  throttle = loginThrottle(),
  locales = () => [sourceLocale],
  passwords = { ssoOnly: false, breakGlass: [] },
  loginPasswords,
}: UserServiceDeps) {
  async function existing(id: string): Promise<UserRow> {
    const row = await identityStore.userById(db, id);
    if (!row) throw new NotFoundError(`No user ${id}`);
    return row;
  }

  return {
    async create(
      principal: Principal,
      input: { email: unknown; displayName?: unknown; password?: unknown },
    ): Promise<User> {
      await gate.require(principal, 'USER_ADMIN', 'Creating users');
      refuseOthersPassword(principal, input.password);
      const email = parseField(emailSchema, input.email, 'email');
      const displayName = parseField(displayNameSchema, input.displayName ?? email.split('@')[0], 'displayName');
      const passwordHash =
        input.password === undefined ? null : await hashPassword(await loginPasswords.accept(input.password, email));
      try {
        return await db.transaction(async (tx) => {
          const user = userOf(await identityStore.insertUser(tx, { email, displayName, passwordHash }));
          await audit.appendInTx(tx, [
            {
              actor: principal,
              event: {
                action: 'user.created',
                target: { id: user.id, name: user.email },
                details: { administrator: false },
              },
            },
          ]);
          return user;
        });
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation)
          throw new ConflictError(`A user with e-mail ${email} already exists`, 'email');
        throw error;
      }
    },

    /** The user for these credentials; one message for every failure, so nothing is learnt from it. */
    async authenticate(
      emailInput: unknown,
      password: unknown,
      method: 'form' | 'token-exchange' = 'form',
    ): Promise<User> {
      const email = typeof emailInput === 'string' ? emailInput.trim().toLowerCase().slice(0, 320) : '';
      // Single sign-on only: the same answer for every address, known or not (break-glass accounts excepted).
      if (passwords.ssoOnly && !passwords.breakGlass.includes(email)) {
        await audit.write({
          actor: { kind: 'system' },
          outcome: 'failure',
          event: {
            action: 'auth.login_failed',
            target: { id: null, name: recordableLogin(email) },
            details: { method },
          },
        });
        throw new TresorError('UNAUTHENTICATED', 'Passwords are turned off here: sign in with single sign-on');
      }
      const row = email ? await identityStore.userByEmail(db, email) : undefined;
      // Per account, from any address: slower after repeated failures, never locked.
      await throttle.before(email);
      const ok = await verifyPassword(row?.passwordHash, typeof password === 'string' ? password : '');
      if (!row || !ok || row.disabled) throttle.failed(email);
      else throttle.succeeded(email);
      const target = { id: row?.id ?? null, name: recordableLogin(email) };
      if (!row || !ok || row.disabled) {
        await audit.write({
          actor: row ? { kind: 'user', id: row.id } : { kind: 'system' },
          outcome: 'failure',
          event: { action: 'auth.login_failed', target, details: { method } },
        });
        throw new TresorError('UNAUTHENTICATED', 'Wrong e-mail or password, or the account is disabled');
      }
      await audit.write({
        actor: { kind: 'user', id: row.id },
        event: { action: 'auth.login', target, details: { method } },
      });
      return userOf(row);
    },

    async get(principal: Principal, id: string): Promise<User> {
      await gate.readUser(principal, id);
      return userOf(await existing(id));
    },

    /** The signed-in user and what they hold, for page chrome (which admin links to show). */
    async whoami(principal: Principal): Promise<{ user: User; permissions: string[] }> {
      if (principal.kind !== 'user') throw new AccessDeniedError('Only users have a profile');
      const facts = await gate.facts(principal);
      return { user: userOf(await existing(principal.id)), permissions: [...facts.permissions].sort() };
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const row = await identityStore.userByEmail(db, email.trim().toLowerCase());
      return row ? userOf(row) : undefined;
    },

    async list(principal: Principal): Promise<User[]> {
      await gate.require(principal, 'USER_ADMIN', 'Listing users', { mode: 'read' });
      return (await identityStore.listUsers(db)).map(userOf);
    },

    /**
     * A new password. Your own: only in a signed-in session (never with a bare token), with the
     * current password. Another user's: only Tresor itself (local mode), as USER_ADMIN would, and
     * the user must choose a new one at next sign-in; administrators send a reset link instead
     * (account-link.service.ts).
     */
    async setPassword(
      principal: Principal,
      id: string,
      password: unknown,
      options: { currentPassword?: unknown } = {},
    ): Promise<void> {
      const own = principal.kind === 'user' && principal.id === id;
      if (own) {
        await gate.requireChange(principal, 'Changing your password');
        if (principal.via === 'token')
          throw new AccessDeniedError(
            'Change your own password in the web UI (it asks for the current one), not with an API token',
          );
        const row = await existing(id);
        if (
          !(await verifyPassword(
            row.passwordHash,
            typeof options.currentPassword === 'string' ? options.currentPassword : '',
          ))
        ) {
          await audit.write({
            actor: principal,
            outcome: 'failure',
            event: {
              action: 'user.password_changed',
              target: { id, name: row.email },
              details: { administrator: false },
            },
          });
          throw ValidationError.field('currentPassword', 'Current password is wrong');
        }
      } else {
        await gate.userAction(principal, id, 'reset the password of');
        if (principal.kind !== 'system')
          throw ValidationError.field(
            'password',
            'Tresor does not set another person’s password: send them a reset link, and they choose one',
          );
      }
      const user = await existing(id);
      const passwordHash = await hashPassword(await loginPasswords.accept(password, user.email));
      await db.transaction(async (tx) => {
        const row = await identityStore.updateUser(tx, id, { passwordHash, mustChangePassword: !own });
        await listener.credentialsRevoked?.(id, tx);
        await audit.appendInTx(tx, [
          {
            actor: principal,
            event: {
              action: 'user.password_changed',
              target: { id, name: row!.email },
              details: { administrator: !own },
            },
          },
        ]);
      });
    },

    /**
     * Your own language for the web UI: one of the locales Tresor speaks, or null for the
     * browser's. Only ever your own: nobody chooses another user's language.
     */
    async setLocale(principal: Principal, locale: unknown): Promise<User> {
      if (principal.kind !== 'user') throw new AccessDeniedError('Only a user has a language');
      await gate.requireChange(principal, 'Changing your language');
      const offered = locales();
      const chosen = locale === null || locale === '' ? null : locale;
      if (chosen !== null && (typeof chosen !== 'string' || !offered.includes(chosen)))
        throw ValidationError.field(
          'locale',
          `Language must be one of: ${offered.join(', ')} (or null: the browser's)`,
        );
      const before = await existing(principal.id);
      if (before.locale === chosen) return userOf(before);
      const row = await db.transaction(async (tx) => {
        const updated = await identityStore.updateUser(tx, principal.id, { locale: chosen });
        await audit.appendInTx(tx, [
          {
            actor: principal,
            event: {
              action: 'user.locale_changed',
              target: { id: principal.id, name: updated!.email },
              details: { locale: chosen },
            },
          },
        ]);
        return updated!;
      });
      return userOf(row);
    },

    /** `source`: a sign-in source said so (a host app removed or brought back its user), for the trail. */
    async setDisabled(principal: Principal, id: string, disabled: boolean, source?: string): Promise<User> {
      if (principal.kind === 'user' && principal.id === id && disabled) {
        await gate.require(principal, 'USER_ADMIN', 'Disabling users');
        throw new ConflictError('You cannot disable your own account', 'disabled');
      }
      await gate.userAction(principal, id, disabled ? 'disable' : 'enable');
      await existing(id);
      const row = await db.transaction(async (tx) => {
        const updated = await identityStore.updateUser(tx, id, { disabled });
        if (disabled) await listener.credentialsRevoked?.(id, tx);
        await audit.appendInTx(tx, [
          {
            actor: principal,
            event: {
              action: disabled ? 'user.disabled' : 'user.enabled',
              target: { id, name: updated!.email },
              details: { administrator: false, ...(source ? { source } : {}) },
            },
          },
        ]);
        return updated!;
      });
      return userOf(row);
    },
  };
}

export type UserService = ReturnType<typeof userServiceFactory>;
