/**
 * Nobody knows another person's password. An administrator invites by e-mail and the invitee
 * chooses the password through a one-time link (72 hours), or signs in by single sign-on; a
 * forgotten password, or an administrator's "reset", mails a link (an hour) instead of
 * setting one. Choosing a password through a link ends the person's sessions and tokens.
 *
 * A link's token is 256 random bits, mailed and never shown to whoever sent it (otherwise an
 * administrator could choose the password of a user it made, and sign in as that puppet);
 * only its SHA-256 is stored. The public "forgot my password" answer is the same whether the
 * address exists or not, and its mail leaves after the answer, so time tells nothing either.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { ConflictError, NotFoundError, TresorError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SystemMailer } from '../modules/mail/system-mailer.ts';
import { parseField } from '../validation.ts';
import { type AccountLinkPurpose, accountLinkStore } from './account-link.store.ts';
import { invitationMail, resetMail } from './account-mail.ts';
import { identityStore, type UserRow } from './identity.store.ts';
import { displayNameSchema, emailSchema } from './identity-rules.ts';
import type { LoginPasswords } from './login-password.ts';
import { hashPassword } from './password-hash.ts';
import type { Principal } from './principal.ts';
import { refuseOthersPassword, type User, userOf } from './user.service.ts';

const hour = 3_600_000;
const lifetimes: Record<AccountLinkPurpose, number> = { invite: 72 * hour, reset: hour };
/** A person asking again within this time gets the same answer and no second mail. */
const askAgainMs = 60_000;
/** The one answer to "I forgot my password", whatever the address. */
export const resetRequestedAnswer =
  'If that address belongs to an account that signs in with a password, a link to choose a new one is on its way.';
const sha256 = (value: string) => createHash('sha256').update(value).digest();

export interface MailedLink {
  expiresAt: Date;
  /** Whether the mail went out; when not, `problem` says why (no relay, the relay refused). */
  mailed: boolean;
  problem?: string;
}

export interface AccountLinkDeps {
  db: Database;
  gate: Pick<AccessGate, 'require' | 'userAction'>;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  mail: SystemMailer;
  logger: Logger;
  /** Ends a user's sessions and tokens, inside the transaction that changes the password. */
  revoke(userId: string, tx: Executor): Promise<void>;
  /** The login password rule (strength as for a stored Password secret). */
  passwords: LoginPasswords;
  settings: {
    /** Where links point: Tresor's public address (TRESOR_PUBLIC_URL, else derived from HOST/PORT). */
    linkBase: string;
    /** The single sign-on button's label, when there is one (invitations mention it). */
    sso: string | undefined;
    /** Single sign-on only: only break-glass accounts have passwords, so only they get reset links. */
    passwords: { ssoOnly: boolean; breakGlass: readonly string[] };
  };
}

export function accountLinkServiceFactory({
  db,
  gate,
  audit,
  mail,
  logger,
  revoke,
  passwords,
  settings,
}: AccountLinkDeps) {
  const linkTo = (token: string) => `${settings.linkBase.replace(/\/$/, '')}/password/choose?token=${token}`;

  /** A new link for the user (voiding earlier ones), recorded in `tx`; answers the token to mail. */
  async function issue(tx: Executor, user: UserRow, purpose: AccountLinkPurpose, by: Principal | undefined) {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + lifetimes[purpose]);
    await accountLinkStore.replace(tx, {
      tokenHash: sha256(token),
      userId: user.id,
      purpose,
      createdBy: by?.kind === 'user' ? by.id : null,
      expiresAt,
    });
    return { token, expiresAt };
  }

  async function nameOf(principal: Principal | undefined): Promise<string | undefined> {
    if (principal?.kind !== 'user') return undefined;
    const row = await identityStore.userById(db, principal.id);
    return row ? `${row.displayName} (${row.email})` : undefined;
  }

  /** Mails the link; a failure is reported to the sender (and logged), never thrown: the link stands. */
  async function send(
    user: UserRow,
    purpose: AccountLinkPurpose,
    issued: { token: string; expiresAt: Date },
    by: Principal | undefined,
  ): Promise<MailedLink> {
    const facts = {
      email: user.email,
      link: linkTo(issued.token),
      expiresAt: issued.expiresAt,
      by: await nameOf(by),
      sso: settings.sso,
    };
    try {
      await mail.send({ to: user.email, ...(purpose === 'invite' ? invitationMail(facts) : resetMail(facts)) });
      return { expiresAt: issued.expiresAt, mailed: true };
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      logger.warn({ user: user.email, err: error }, `could not mail the ${purpose} link`);
      return { expiresAt: issued.expiresAt, mailed: false, problem };
    }
  }

  async function recordMailed(
    actor: Principal,
    user: UserRow,
    action: 'user.invited' | 'user.password_reset_sent',
    result: MailedLink,
    by: 'administrator' | 'self',
  ): Promise<void> {
    await audit.write({
      actor,
      event: { action, target: { id: user.id, name: user.email }, details: { mailed: result.mailed, by } },
    });
  }

  async function existing(id: string): Promise<UserRow> {
    const row = await identityStore.userById(db, id);
    if (!row) throw new NotFoundError(`No user ${id}`);
    return row;
  }

  /** The link's row, if it is one that still works. */
  async function live(token: unknown) {
    const row =
      typeof token === 'string' && token.length <= 100 ? await accountLinkStore.find(db, sha256(token)) : undefined;
    const user = row && row.expiresAt.getTime() > Date.now() ? await identityStore.userById(db, row.userId) : undefined;
    if (!row || !user || user.disabled)
      throw new TresorError('UNAUTHENTICATED', 'This link is unknown, used or expired: ask for a new one');
    return { row, user };
  }

  return {
    /** Creates a user without a password and mails them a link to choose one (USER_ADMIN). */
    async invite(
      principal: Principal,
      input: { email: unknown; displayName?: unknown; password?: unknown },
    ): Promise<{ user: User; invitation: MailedLink }> {
      await gate.require(principal, 'USER_ADMIN', 'Inviting users');
      refuseOthersPassword(principal, input.password);
      const email = parseField(emailSchema, input.email, 'email');
      const displayName = parseField(displayNameSchema, input.displayName ?? email.split('@')[0], 'displayName');
      let created: { row: UserRow; token: string; expiresAt: Date };
      try {
        created = await db.transaction(async (tx) => {
          const row = await identityStore.insertUser(tx, { email, displayName, passwordHash: null });
          await audit.appendInTx(tx, [
            {
              actor: principal,
              event: {
                action: 'user.created',
                target: { id: row.id, name: row.email },
                details: { administrator: false },
              },
            },
          ]);
          return { row, ...(await issue(tx, row, 'invite', principal)) };
        });
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation)
          throw new ConflictError(`A user with e-mail ${email} already exists`, 'email');
        throw error;
      }
      const invitation = await send(created.row, 'invite', created, principal);
      await recordMailed(principal, created.row, 'user.invited', invitation, 'administrator');
      return { user: userOf(created.row), invitation };
    },

    /** A new invitation for a user who has not chosen a password yet (the earlier link stops working). */
    async reinvite(principal: Principal, userId: string): Promise<MailedLink> {
      await gate.userAction(principal, userId, 'invite again');
      const user = await existing(userId);
      if (user.passwordHash !== null)
        throw new ConflictError(`${user.email} has chosen a password already: send a reset link instead`);
      const issued = await db.transaction((tx) => issue(tx, user, 'invite', principal));
      const result = await send(user, 'invite', issued, principal);
      await recordMailed(principal, user, 'user.invited', result, 'administrator');
      return result;
    },

    /** An administrator's reset: mails the user a link; the password stays until the link is used. */
    async sendReset(principal: Principal, userId: string): Promise<MailedLink> {
      await gate.userAction(principal, userId, 'reset the password of');
      const user = await existing(userId);
      if (user.disabled) throw new ConflictError(`${user.email} is disabled: enable the account first`, 'disabled');
      const issued = await db.transaction((tx) => issue(tx, user, 'reset', principal));
      const result = await send(user, 'reset', issued, principal);
      await recordMailed(principal, user, 'user.password_reset_sent', result, 'administrator');
      return result;
    },

    /**
     * "I forgot my password": the same (empty) answer whatever the address; a link is mailed,
     * after the answer, only to an enabled account that may have a password, at most once a minute.
     */
    async requestReset(emailInput: unknown): Promise<void> {
      const email = typeof emailInput === 'string' ? emailInput.trim().toLowerCase().slice(0, 320) : '';
      const user = email ? await identityStore.userByEmail(db, email) : undefined;
      if (!user || user.disabled) return;
      if (settings.passwords.ssoOnly && !settings.passwords.breakGlass.includes(email)) return;
      const newest = await accountLinkStore.newest(db, user.id, 'reset');
      if (newest && Date.now() - newest.createdAt.getTime() < askAgainMs) return;
      const issued = await db.transaction((tx) => issue(tx, user, 'reset', undefined));
      void send(user, 'reset', issued, undefined)
        .then((result) => recordMailed({ kind: 'user', id: user.id }, user, 'user.password_reset_sent', result, 'self'))
        .catch((error: unknown) => logger.error({ err: error }, 'could not record a password reset mail'));
    },

    /** What the link is for and whose it is, for its page; refused like a used one when it does not work. */
    async inspect(token: unknown): Promise<{ purpose: AccountLinkPurpose; email: string; expiresAt: Date }> {
      const { row, user } = await live(token);
      return { purpose: row.purpose as AccountLinkPurpose, email: user.email, expiresAt: row.expiresAt };
    },

    /**
     * Sets the password the person chose through a link; the link is used up, and the person's
     * sessions and tokens end. A refused password leaves the link working.
     */
    async choosePassword(token: unknown, password: unknown): Promise<{ email: string }> {
      const { user } = await live(token);
      const passwordHash = await hashPassword(await passwords.accept(password, user.email));
      return db.transaction(async (tx) => {
        const row = await accountLinkStore.take(tx, sha256(String(token)));
        // Used by another request in between: the same answer as any used link.
        if (!row || row.expiresAt.getTime() <= Date.now())
          throw new TresorError('UNAUTHENTICATED', 'This link is unknown, used or expired: ask for a new one');
        const user = await identityStore.updateUser(tx, row.userId, { passwordHash, mustChangePassword: false });
        await revoke(row.userId, tx);
        await audit.appendInTx(tx, [
          {
            actor: { kind: 'user', id: row.userId },
            event: {
              action: 'user.password_chosen',
              target: { id: row.userId, name: user!.email },
              details: { link: row.purpose as AccountLinkPurpose },
            },
          },
        ]);
        return { email: user!.email };
      });
    },

    /** Until when an invitation waits for each of these users (for the administrators' user list). */
    async pendingInvitations(userIds: readonly string[]): Promise<Map<string, Date>> {
      return accountLinkStore.invitations(db, userIds);
    },
  };
}

export type AccountLinks = ReturnType<typeof accountLinkServiceFactory>;
