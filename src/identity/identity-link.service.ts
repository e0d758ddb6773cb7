/**
 * People who sign in through a source outside Tresor (an OpenID provider, a directory, a host
 * application) become Tresor users by one set of rules, whatever the source:
 * - a source's subject is linked to one Tresor user and found again by it (an e-mail address
 *   can change at the source; the subject does not);
 * - a first sign-in links an existing user by e-mail only when the source says the address is
 *   verified and linking by e-mail is on; otherwise it creates a user when the source allows
 *   it (and the address's domain is allowed), or it is refused;
 * - the groups the source names are mirrored: created when missing and marked as managed by
 *   the source, memberships of the source's groups synced at every sign-in (added and
 *   removed). A group of that name managed in Tresor (or by another source) is left alone;
 *   a managed group's members are never edited in Tresor (admin.policy.ts);
 * - a disabled user stays out, whatever the source says.
 * Every link, creation and membership change is on the audit trail; permissions keep coming
 * from groups and grants, decided by the access gate.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { AuditEvent } from '../audit/audit-events.ts';
import type { Database, Executor } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { TresorError } from '../errors.ts';
import { externalIdentityStore } from './external-identity.store.ts';
import { identityStore, type UserRow } from './identity.store.ts';
import { groupNameSchema } from './identity-rules.ts';
import type { Principal } from './principal.ts';
import { type User, userOf } from './user.service.ts';

/** Who a source says signed in. */
export interface OutsideIdentity {
  /** The source: `oidc`, `ldap`, `host`. */
  source: string;
  subject: string;
  email: string | undefined;
  /** Whether the source vouches for the address (OIDC `email_verified`; a directory's own entry). */
  emailVerified: boolean;
  displayName: string | undefined;
  /** The source's groups for the user; undefined: the source says nothing of groups (memberships stay). */
  groups: readonly string[] | undefined;
}

/** How a source's sign-ins become users. */
export interface LinkPolicy {
  /** Create a user at the first sign-in (else an administrator creates or links the user first). */
  autoCreate: boolean;
  /** E-mail domains a created user may have (empty: any). */
  allowedDomains: readonly string[];
  /** Link an existing user with the same, verified, e-mail address at the first sign-in. */
  linkByEmail: boolean;
}

/** A source's group name as a Tresor group name (`/Payments Editors` → `payments-editors`), or undefined. */
export function mirroredGroupName(name: string): string | undefined {
  const candidate = name
    .trim()
    .replace(/^\/+/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-_.]+/, '')
    .slice(0, 64);
  return groupNameSchema.safeParse(candidate).success ? candidate : undefined;
}

const refused = (message: string) => new TresorError('UNAUTHENTICATED', message);

export function identityLinkServiceFactory({ db, audit }: { db: Database; audit: Pick<AuditService, 'appendInTx'> }) {
  /** The user a first sign-in links to or creates, or a refusal. */
  async function firstSignIn(
    tx: Executor,
    identity: OutsideIdentity,
    policy: LinkPolicy,
    events: AuditEvent[],
  ): Promise<UserRow> {
    const email = identity.email?.trim().toLowerCase();
    const existing = email ? await identityStore.userByEmail(tx, email) : undefined;
    if (existing && !(policy.linkByEmail && identity.emailVerified))
      throw refused(
        `An account for ${email} exists but is not linked to this sign-in: an administrator links it, ` +
          'or the provider must vouch for the address (email_verified)',
      );
    let user = existing;
    if (!user) {
      if (!policy.autoCreate) throw refused('No Tresor account for this sign-in: ask an administrator to create it');
      if (!email || !/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email))
        throw refused('The provider gave no e-mail address: Tresor needs one to create the account');
      const domain = email.split('@')[1]!;
      if (policy.allowedDomains.length > 0 && !policy.allowedDomains.includes(domain))
        throw refused(`Accounts are not created for ${domain} addresses`);
      user = await identityStore.insertUser(tx, {
        email,
        displayName: (identity.displayName?.trim() || email.split('@')[0]!).slice(0, 100),
        passwordHash: null,
      });
      events.push({
        action: 'user.created',
        target: { id: user.id, name: user.email },
        details: { administrator: false },
      });
    }
    await externalIdentityStore.link(tx, {
      source: identity.source,
      subject: identity.subject,
      userId: user.id,
      email: email ?? null,
    });
    events.push({
      action: 'user.linked',
      target: { id: user.id, name: user.email },
      details: { source: identity.source, created: existing === undefined },
    });
    return user;
  }

  /** Brings the user's memberships of the source's groups in step with what the source says. */
  async function syncGroups(tx: Executor, user: UserRow, identity: OutsideIdentity, events: AuditEvent[]) {
    if (identity.groups === undefined) return;
    const named = [...new Set(identity.groups.map(mirroredGroupName).filter((n): n is string => n !== undefined))];
    const existing = await externalIdentityStore.groupsNamed(tx, named);
    const created = await externalIdentityStore.createManaged(
      tx,
      identity.source,
      named.filter((n) => !existing.some((g) => g.name === n)),
    );
    for (const group of created)
      events.push({ action: 'group.created', target: { id: group.id, name: group.name }, details: { builtIn: false } });
    // Only the source's own groups: a local group of the same name is not the directory's to fill.
    const wanted = [...existing, ...created].filter((g) => g.managedBy === identity.source);
    const current = await externalIdentityStore.managedMemberships(tx, identity.source, user.id);
    const added: string[] = [];
    const removed: string[] = [];
    for (const group of wanted)
      if (!current.some((g) => g.id === group.id) && (await identityStore.addMember(tx, user.id, group.id)))
        added.push(group.name);
    for (const group of current)
      if (!wanted.some((g) => g.id === group.id) && (await identityStore.removeMember(tx, user.id, group.id)))
        removed.push(group.name);
    if (added.length + removed.length > 0)
      events.push({
        action: 'membership.synced',
        target: { id: user.id, name: user.email },
        details: { source: identity.source, added: added.sort(), removed: removed.sort() },
      });
  }

  return {
    /**
     * The Tresor user for an outside sign-in: linked (or created) and with the source's groups
     * in step, in one transaction with its audit rows; refused with UNAUTHENTICATED otherwise.
     */
    async signIn(identity: OutsideIdentity, policy: LinkPolicy): Promise<User> {
      if (identity.subject === '' || identity.subject.length > 1000) throw refused('The provider gave no subject');
      // Two first sign-ins of one subject at once: the second finds the link the first made.
      return this.once(identity, policy).catch((error: unknown) => {
        if (pgErrorCode(error) === uniqueViolation) return this.once(identity, policy);
        throw error;
      });
    },

    /** One attempt at `signIn`, in one transaction. */
    once(identity: OutsideIdentity, policy: LinkPolicy): Promise<User> {
      return db.transaction(async (tx) => {
        const events: AuditEvent[] = [];
        let user = await externalIdentityStore.linkedUser(tx, identity.source, identity.subject);
        if (user) await externalIdentityStore.seen(tx, identity.source, identity.subject, identity.email ?? null);
        else user = await firstSignIn(tx, identity, policy, events);
        if (user.disabled) throw refused('This account is disabled');
        await syncGroups(tx, user, identity, events);
        const actor: Principal = { kind: 'system' };
        if (events.length > 0)
          await audit.appendInTx(
            tx,
            events.map((event) => ({ actor, event })),
          );
        return userOf(user);
      });
    },
  };
}

export type IdentityLinkService = ReturnType<typeof identityLinkServiceFactory>;
