/**
 * A host application's users and groups as Tresor's (issue "Inside the host app"). The host
 * authenticates; this service turns its answer into a Tresor user by the rules every outside
 * source shares (identity-link.service.ts, source `host`): a subject is linked to one user on
 * first sight, the host's groups are mirrored and kept in step, a disabled user stays out.
 * On top of those rules:
 * - a person the host removed or disabled (`remove`, or `lookup` answering nobody) is disabled
 *   here with every session and token ended; when the host brings the same subject back it is
 *   the same user again. A user an administrator disabled in Tresor stays disabled;
 * - the host's view is taken on every request, but written only when it changed: the answer
 *   for one subject and one view is cached until a change to users or groups is announced;
 * - the host's `groups` exist in Tresor from the start (shared with before any member visits);
 * - `administratorGroups` maps the host's admin role to Tresor administration, once, audited.
 * Every access decision stays in the gate: a host user is a user like any other.
 */
import type { AuditService } from '../../audit/audit.service.ts';
import type { ReadCache } from '../../cluster/read-cache.ts';
import type { Database } from '../../db/client.ts';
import { TresorError } from '../../errors.ts';
import { sourceLinkStore } from '../external-identity.store.ts';
import type { GroupService } from '../group.service.ts';
import { type IdentityLinkService, mirroredGroupName } from '../identity-link.service.ts';
import { administratorPermissions } from '../permissions.ts';
import { systemPrincipal, type UserPrincipal } from '../principal.ts';
import type { User, UserService } from '../user.service.ts';
import { checkedHostUser, type HostDirectory, type HostUser } from './host-user.ts';

const source = 'host';

/** A host group's name as Tresor's (the mirroring rule), refused when it cannot be one. */
function groupNameOf(name: string): string {
  const mirrored = mirroredGroupName(name);
  if (!mirrored) throw new TresorError('CONFIG_INVALID', `"${name}" cannot be a Tresor group name`);
  return mirrored;
}

export interface HostIdentityService {
  /** Whether a host's identities are connected (the mounted UI then has no sign-in of its own). */
  readonly connected: boolean;
  /** Connects the host's directory (tresorPlugin does, with its `identity` option); grants `administratorGroups`. */
  connect(directory: HostDirectory): Promise<void>;
  /** The principal of a person the host says is signed in on this request (linked and in step first). */
  signedIn(user: HostUser): Promise<UserPrincipal>;
  /**
   * The principal a module in the host acts for: by subject (asked of the host's `lookup` when
   * it has one, else the linked user) or by the host's user itself. Refused for a person the
   * host or Tresor has disabled.
   */
  principalFor(subject: string | HostUser): Promise<UserPrincipal>;
  /** The host's change call: a person's name, address or groups changed at the host. */
  sync(user: HostUser): Promise<User>;
  /** The host's change call: it removed or disabled a person; their access ends now. */
  remove(subject: string): Promise<void>;
  /** False when `userId` is a host user the host's `lookup` no longer knows (their tokens stop). */
  stillThere(userId: string): Promise<boolean>;
}

export function hostIdentityServiceFactory(deps: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx'>;
  links: IdentityLinkService;
  users: Pick<UserService, 'setDisabled'>;
  groups: Pick<GroupService, 'create' | 'find' | 'grant' | 'grants'>;
  cache: ReadCache | undefined;
}): HostIdentityService {
  const { db, links, users, groups, cache } = deps;
  let directory: HostDirectory | undefined;

  /** Links (or finds) the person and brings their groups in step; returns the user id. */
  async function link(user: HostUser): Promise<User> {
    const known = await sourceLinkStore.link(db, source, user.subject);
    // Brought back by the host: the same user, enabled again — only if the host disabled it.
    if (known?.suspendedAt && known.disabled) {
      await users.setDisabled(systemPrincipal, known.userId, false, source);
      await sourceLinkStore.setSuspended(db, source, user.subject, false);
    }
    const linkByEmail = directory?.linkByEmail === true;
    return links.signIn(
      {
        source,
        subject: user.subject,
        email: user.email,
        emailVerified: linkByEmail,
        displayName: user.displayName,
        groups: user.groups,
      },
      { autoCreate: true, allowedDomains: [], linkByEmail },
    );
  }

  /** The user id for this view of the person: written once per view, then cached until a change. */
  async function linkedId(user: HostUser): Promise<string> {
    const view = JSON.stringify([user.subject, user.email, user.displayName ?? '', [...user.groups].sort()]);
    const load = async () => (await link(user)).id;
    return cache ? cache.through('principals', `host:${view}`, load) : load();
  }

  const principal = (id: string, user: HostUser | undefined): UserPrincipal =>
    user === undefined
      ? { kind: 'user', id }
      : {
          kind: 'user',
          id,
          via: 'session',
          scope: 'full',
          // The host vouches for the person, second factor included: step-up is the host's to ask.
          credential: { expiresAt: null, signedInAt: user.authenticatedAt ?? new Date(), factorAt: new Date() },
        };

  const service: HostIdentityService = {
    get connected() {
      return directory !== undefined;
    },

    async connect(given) {
      if (directory !== undefined && directory !== given)
        throw new TresorError('CONFIG_INVALID', 'This Tresor already has a host identity connected');
      directory = given;
      const administrators = new Set((given.administratorGroups ?? []).map(groupNameOf));
      for (const name of new Set([...(given.groups ?? []).map(groupNameOf), ...administrators])) {
        const group = await groups
          .find(name)
          .catch(() => groups.create(systemPrincipal, { name, description: 'From the host app', managedBy: source }));
        if (!administrators.has(name)) continue;
        const held = new Set(await groups.grants(systemPrincipal, { groupId: group.id }));
        for (const permission of administratorPermissions)
          if (!held.has(permission)) await groups.grant(systemPrincipal, { groupId: group.id }, permission);
      }
    },

    async signedIn(given) {
      const user = checkedHostUser(given);
      return principal(await linkedId(user), user);
    },

    async principalFor(subject) {
      if (typeof subject !== 'string') return { kind: 'user', id: await linkedId(checkedHostUser(subject)) };
      if (directory?.lookup) {
        const found = await directory.lookup(subject);
        if (found === undefined) {
          await service.remove(subject);
          throw new TresorError('UNAUTHENTICATED', `The host app has no user ${subject}`);
        }
        return { kind: 'user', id: await linkedId(checkedHostUser(found)) };
      }
      const known = await sourceLinkStore.link(db, source, subject);
      if (!known) throw new TresorError('UNAUTHENTICATED', `No Tresor user is linked to the host's user ${subject}`);
      if (known.disabled) throw new TresorError('UNAUTHENTICATED', 'This account is disabled');
      return principal(known.userId, undefined);
    },

    sync: (user) => link(checkedHostUser(user)),

    async remove(subject) {
      const known = await sourceLinkStore.link(db, source, subject);
      // Unknown, or disabled already (by an administrator, or removed before): nothing to end.
      if (!known || known.disabled) return;
      await users.setDisabled(systemPrincipal, known.userId, true, source);
      await sourceLinkStore.setSuspended(db, source, subject, true);
    },

    async stillThere(userId) {
      const lookup = directory?.lookup;
      if (!lookup) return true;
      const load = async () => (await sourceLinkStore.subjectOf(db, source, userId)) ?? null;
      const subject = cache ? await cache.through('principals', `host-subject:${userId}`, load) : await load();
      if (subject === null) return true;
      const found = await lookup(subject);
      if (found === undefined) {
        await service.remove(subject);
        return false;
      }
      try {
        await linkedId(checkedHostUser(found));
        return true;
      } catch (error) {
        // Disabled in Tresor: out, as at sign-in. Anything else (the database away) is not an answer.
        if (error instanceof TresorError && error.code === 'UNAUTHENTICATED') return false;
        throw error;
      }
    },
  };
  return service;
}
