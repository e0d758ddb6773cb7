/**
 * First start: the built-in `system` group always exists; with no user yet, the first
 * administrator comes from TRESOR_ADMIN_EMAIL/TRESOR_ADMIN_PASSWORD, or from a one-time
 * setup token (its link is printed at start; the setup page consumes it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AuditService } from '../audit/audit.service.ts';
import type { Database, Executor } from '../db/client.ts';
import { ConflictError, TresorError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { systemGroupName } from './group.service.ts';
import { identityStore } from './identity.store.ts';
import { displayNameSchema, emailSchema } from './identity-rules.ts';
import type { LoginPasswords } from './login-password.ts';
import { hashPassword } from './password-hash.ts';
import { administratorPermissions } from './permissions.ts';
import { systemPrincipal } from './principal.ts';
import { type User, userOf } from './user.service.ts';

const setupTokenLifetimeMs = 24 * 3600_000;
/** The advisory lock key of first-start decisions (any constant no other lock uses). */
const bootstrapLock = 0x7472_6573;
const hashToken = (token: string) => createHash('sha256').update(token).digest();

export function bootstrapServiceFactory({
  db,
  audit,
  passwords,
}: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx'>;
  /** The login password rule (strength as for a stored Password secret). */
  passwords: LoginPasswords;
}) {
  type AdministratorInput = { email: unknown; displayName?: unknown; password: unknown };

  /** Creates an administrator: every administration permission, SECRET_MANAGEMENT, member of `system`. */
  async function createAdministrator(input: AdministratorInput): Promise<User> {
    const prepared = await prepareAdministrator(input);
    return db.transaction((tx) => insertAdministrator(tx, prepared));
  }

  async function prepareAdministrator(input: AdministratorInput) {
    const email = parseField(emailSchema, input.email, 'email');
    const displayName = parseField(displayNameSchema, input.displayName ?? 'Administrator', 'displayName');
    const passwordHash = await hashPassword(await passwords.accept(input.password, email));
    return { email, displayName, passwordHash };
  }

  async function insertAdministrator(
    tx: Executor,
    { email, displayName, passwordHash }: Awaited<ReturnType<typeof prepareAdministrator>>,
  ): Promise<User> {
    if (await identityStore.userByEmail(tx, email))
      throw new ConflictError(`A user with e-mail ${email} already exists`, 'email');
    const user = await identityStore.insertUser(tx, { email, displayName, passwordHash });
    const system = await identityStore.groupByName(tx, systemGroupName);
    await identityStore.addMember(tx, user.id, system!.id);
    for (const permission of administratorPermissions) await identityStore.grant(tx, { userId: user.id }, permission);
    await audit.appendInTx(tx, [
      {
        actor: systemPrincipal,
        event: {
          action: 'user.created',
          target: { id: user.id, name: user.email },
          details: { administrator: true },
        },
      },
    ]);
    return userOf(user);
  }

  return {
    async ensureSystemGroup(): Promise<void> {
      await identityStore.ensureGroup(db, {
        name: systemGroupName,
        description: 'Tresor itself and its modules (mail). Built in.',
        builtIn: true,
      });
    },

    createAdministrator,

    /**
     * With no users: creates the administrator from the given credentials, or issues a
     * setup token. Returns what happened, for the start-up message.
     */
    async firstStart(admin: {
      email: string | undefined;
      password: string | undefined;
    }): Promise<{ kind: 'ready' } | { kind: 'created'; user: User } | { kind: 'setup'; token: string }> {
      if ((await identityStore.countUsers(db)) > 0) return { kind: 'ready' };
      const prepared =
        admin.email && admin.password
          ? await prepareAdministrator({ email: admin.email, password: admin.password })
          : undefined;
      // Many nodes may start at once on an empty database: one at a time decides, under a
      // transaction-scoped advisory lock, and the others find the administrator it made.
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${bootstrapLock})`);
        if ((await identityStore.countUsers(tx)) > 0) return { kind: 'ready' as const };
        if (prepared) return { kind: 'created' as const, user: await insertAdministrator(tx, prepared) };
        const token = randomBytes(24).toString('base64url');
        await identityStore.insertSetupToken(tx, hashToken(token), new Date(Date.now() + setupTokenLifetimeMs));
        return { kind: 'setup' as const, token };
      });
    },

    /** Whether setup is done (a user exists): the setup page then sends people to sign in. */
    async setUp(): Promise<boolean> {
      return (await identityStore.countUsers(db)) > 0;
    },

    /**
     * The setup page: a valid, unused token and no user yet create the first administrator. The
     * cheap checks come first (a forged link costs no strength check); the token is used only once
     * the password was accepted, so a refused password leaves the link working.
     */
    async completeSetup(
      token: string,
      input: { email: unknown; displayName?: unknown; password: unknown },
    ): Promise<User> {
      parseField(emailSchema, input.email, 'email');
      const invalidLink = () =>
        new TresorError('ACCESS_DENIED', 'This setup link is invalid, used or expired; restart Tresor for a new one');
      if ((await identityStore.countUsers(db)) > 0)
        throw new TresorError('ACCESS_DENIED', 'Setup is already complete; sign in instead');
      if (!(await identityStore.setupTokenLive(db, hashToken(token)))) throw invalidLink();
      const prepared = await prepareAdministrator(input);
      if (!(await identityStore.consumeSetupToken(db, hashToken(token)))) throw invalidLink();
      return db.transaction((tx) => insertAdministrator(tx, prepared));
    },
  };
}

export type BootstrapService = ReturnType<typeof bootstrapServiceFactory>;
