/**
 * The host-app identity contract, the part Tresor's core asks (outside any request): who a
 * host user is, and — when the host can say — whether a subject is still one of its users.
 * The web part (who is signed in on this request, where to sign in and out) is in
 * `web/host-identity.ts`. Small on purpose: the host authenticates; Tresor decides access.
 */
import { z } from 'zod';

/** A person as the host application knows them. */
export interface HostUser {
  /** The host's stable id for the person, never reused (its user table's key). */
  subject: string;
  email: string;
  displayName?: string | undefined;
  /** The host's groups or roles the person is in: mirrored as Tresor groups managed by `host`. */
  groups: readonly string[];
  /**
   * When the host last checked the person's credentials. Minting an API token from a web page
   * wants a sign-in at most 10 minutes old; without it, every request counts as fresh.
   */
  authenticatedAt?: Date | undefined;
}

export interface HostDirectory {
  /**
   * The host's current view of one person, or undefined when it removed or disabled them.
   * When given, every API token request of a host user and every `principalFor(subject)`
   * asks it, so a change at the host counts at once; without it, call `tresor.host.sync`
   * and `tresor.host.remove` when a person changes.
   */
  lookup?(subject: string): HostUser | undefined | Promise<HostUser | undefined>;
  /**
   * The host's groups, made in Tresor (managed by `host`) when the plugin starts, so a secret can
   * be shared with one before any of its members has visited. Others appear at a member's visit.
   */
  groups?: readonly string[];
  /** Host groups whose members administer Tresor: granted the administrator's permissions once, audited. */
  administratorGroups?: readonly string[];
  /**
   * At a host user's first visit, link an existing Tresor user with the same e-mail address
   * (one made before the host's identities were connected). Off: such a visit is refused.
   */
  linkByEmail?: boolean;
}

const hostUserSchema = z.object({
  subject: z.string().min(1).max(1000),
  email: z.string().min(3).max(320),
  displayName: z.string().max(1000).optional(),
  groups: z.array(z.string().max(1000)).max(1000),
  authenticatedAt: z.date().optional(),
});

/** A host's answer checked: a malformed one is the host's bug, named as such (never a half-linked user). */
export function checkedHostUser(value: unknown): HostUser {
  const parsed = hostUserSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`The host identity gave a malformed user: ${issue.path.join('.') || 'value'}: ${issue.message}`);
}
