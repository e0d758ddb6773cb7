/**
 * The secret half of the access gate: every secret operation (including create, list and
 * usable-by, with the SQL of the listings beside the decision in `secret-visibility.store.ts`),
 * the grants it issues, and the one way a payload is opened: only for a grant issued here.
 */
import type { SQL } from 'drizzle-orm';
import { auditingDenials as guardDenials, markDenied } from '../audit/denials.ts';
import type { CredentialType, Payload } from '../credentials/index.ts';
import type { StoredPayload } from '../crypto/space-keys.ts';
import type { Executor } from '../db/client.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
import { AccessDeniedError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { type GroupRow, identityStore } from '../identity/identity.store.ts';
import { type Principal, principalKey } from '../identity/principal.ts';
import { type SecretRow, secretStore } from '../secrets/secret.store.ts';
import { defaultSpaceName, isSecretId } from '../secrets/secret-rules.ts';
import { shareStore } from '../secrets/share.store.ts';
import { spaceStore } from '../spaces/space.store.ts';
import type { GateCore } from './gate-core.ts';
import { lockSecretForUser } from './locked-secret.store.ts';
import type { PayloadReader } from './payload.reader.ts';
import { holds, type PrincipalFacts, userFacts } from './principal-facts.ts';
import {
  createsIn,
  decide,
  derivedDetail,
  describeOperation,
  isManager,
  isVisibility,
  managesSpace,
  type Recipient,
  readOnly,
  type SecretOperation,
  type SecretRelation,
  secretOperations,
  selfShareProblem,
  type Visibility,
} from './secret.policy.ts';
import { secretVisibility } from './secret-visibility.store.ts';

/** What the gate hands out when it allows an operation on a secret; only a grant it issued opens a payload. */
export interface SecretGrant {
  readonly row: SecretRow;
  readonly facts: PrincipalFacts;
  readonly relation: SecretRelation;
  readonly operation: SecretOperation;
}

/** The operations whose callers need the stored payload (to show public fields, merge an update, roll back, use). */
const opening: ReadonlySet<SecretOperation> = new Set(['read', 'update', 'rollback', 'use', 'export']);

/** A listing the principal may see: the access condition (none: every row) and a cache key for it. */
export interface Listing {
  access: SQL | undefined;
  key: string;
  /** A manager's listing of every secret it manages (on record), not a store. */
  all?: boolean;
}

/** Where a secret stands: its space and visibility, as the policy reads them. */
const placeOf = (row: SecretRow): Pick<SecretRelation, 'spaceId' | 'visibility'> => ({
  spaceId: row.spaceId,
  visibility: isVisibility(row.visibility) ? row.visibility : 'private',
});

export function secretGate({ db, audit, cache, factsOf, refuse }: GateCore, payloads: PayloadReader) {
  const issued = new WeakSet<SecretGrant>();
  /** The sealed current version a locked read brought along with the grant (so opening it needs no read). */
  const sealedWith = new WeakMap<SecretGrant, StoredPayload>();
  const openable = (grant: SecretGrant) => {
    if (!issued.has(grant) || !opening.has(grant.operation))
      throw new AccessDeniedError('A payload is opened only for an access grant');
  };

  async function relationOf(
    tx: Executor,
    row: SecretRow,
    facts: PrincipalFacts,
    useCache: boolean,
  ): Promise<SecretRelation> {
    const load = async () => ({
      owner: facts.userId !== null && row.ownerId === facts.userId,
      ...(await shareStore.relation(tx, row.id, facts.userId, [...facts.groupIds])),
      ...placeOf(row),
    });
    return cache && useCache
      ? cache.through('relations', `${row.id}|${principalKey(facts.principal)}`, load, () => row.id)
      : load();
  }

  interface Seen {
    row: SecretRow;
    facts: PrincipalFacts;
    relation: SecretRelation;
    sealed?: StoredPayload;
  }

  /**
   * Inside a change: the row locked, with facts and relation from the database. For a user,
   * all of it (and the sealed version, if the operation opens it) in one statement.
   */
  async function lockedRead(
    tx: Executor,
    principal: Principal,
    ref: string,
    operation: SecretOperation,
  ): Promise<Seen | undefined> {
    if (principal.kind === 'user') {
      const locked = await lockSecretForUser(tx, ref, principal.id, opening.has(operation));
      if (!locked) return undefined;
      const { row, standing, directShare, groupShare, sealed } = locked;
      const relation = { owner: row.ownerId === principal.id, directShare, groupShare, ...placeOf(row) };
      return { row, facts: userFacts(principal, standing), relation, sealed };
    }
    const facts = await factsOf(principal, tx);
    const row = await secretStore.lock(tx, ref);
    return row && { row, facts, relation: await relationOf(tx, row, facts, false) };
  }

  /** Outside a change: facts, row and relation, from the node's cache where there is one. */
  async function plainRead(tx: Executor, principal: Principal, ref: string): Promise<Seen | undefined> {
    const useCache = tx === db && cache !== undefined;
    const facts = await factsOf(principal, db);
    const row = useCache
      ? await cache!.through(
          'secrets',
          ref.toLowerCase(),
          () => secretStore.find(db, ref),
          (r) => r?.id,
        )
      : await secretStore.find(tx, ref);
    return row && { row, facts, relation: await relationOf(tx, row, facts, useCache) };
  }

  /**
   * Whether the principal may create a secret of `type` (the problem, if not) and the group
   * the type's sharing rule binds it to. A rule naming a group that does not exist is the
   * deployment's mistake: a ConflictError, for everyone alike.
   */
  async function createDecision(
    principal: Principal,
    facts: PrincipalFacts,
    type: CredentialType | undefined,
  ): Promise<{ problem?: AccessDeniedError; requiredGroup?: GroupRow }> {
    if (principal.kind === 'group' || !holds(facts, 'SECRET_MANAGEMENT_CREATE'))
      return { problem: new AccessDeniedError('Creating secrets needs the SECRET_MANAGEMENT_CREATE permission') };
    if (readOnly(principal))
      return { problem: new AccessDeniedError('Creating secrets needs a full token: this one is read-only') };
    const rule = type?.definition.sharing;
    if (!type || !rule) return {};
    const requiredGroup = await identityStore.groupByName(db, rule.requiredGroup);
    if (!requiredGroup)
      throw new ConflictError(
        `${type.definition.name} secrets must be shared with group "${rule.requiredGroup}", which does not exist`,
      );
    if (rule.creatorMustBelong && !facts.isSystem && !facts.groupIds.has(requiredGroup.id))
      return {
        problem: new AccessDeniedError(
          `Only members of group "${rule.requiredGroup}" may create ${type.definition.name} secrets`,
        ),
      };
    return { requiredGroup };
  }

  const gate = {
    /**
     * The grant for `operation` on secret `ref`, or a refusal: not-found when the principal
     * must not learn the secret exists (the same error as for a name that does not exist),
     * access denied otherwise. Refusals are marked; `guard` records them once the call's
     * transaction has ended. With `lock`, the row is locked for the rest of the transaction.
     */
    async secret(
      tx: Executor,
      principal: Principal,
      ref: string,
      operation: SecretOperation,
      options: { lock?: boolean } = {},
    ): Promise<SecretGrant> {
      // A name is said back, an id not (a page saying "No secret 9b83…" tells a person nothing).
      const named = isSecretId(ref) ? 'with that id' : `"${ref}"`;
      const notFoundMessage = operation === 'use' ? `No usable secret ${named}` : `No secret ${named}`;
      const read = (r: string) =>
        options.lock ? lockedRead(tx, principal, r, operation) : plainRead(tx, principal, r);
      // A user's bare name resolves in the space they chose as their default first, then in the installation's.
      const home = principal.kind === 'user' && !isSecretId(ref) && !ref.includes('/') && (await factsOf(principal));
      const seen = (home && home.homeSpace ? await read(`${home.homeSpace}/${ref}`) : undefined) ?? (await read(ref));
      if (!seen) throw markDenied(new NotFoundError(notFoundMessage));
      const { row, facts, relation } = seen;
      const decision = decide(operation, facts, relation);
      const target = { id: row.id, name: row.name };
      if (decision === 'hidden') throw markDenied(new NotFoundError(notFoundMessage), target);
      if (decision === 'denied') {
        const why = readOnly(principal)
          ? `this token is read-only: it may not ${describeOperation[operation]} secret "${row.name}"`
          : `You may not ${describeOperation[operation]} secret "${row.name}"`;
        throw markDenied(new AccessDeniedError(why), target);
      }
      const grant: SecretGrant = Object.freeze({ row, facts, relation, operation });
      issued.add(grant);
      if (seen.sealed) sealedWith.set(grant, seen.sealed);
      return grant;
    },

    /** Runs `fn`; a refusal the gate raised inside it is recorded in the audit trail, then rethrown. */
    guard<T>(principal: Principal, operation: string, ref: string, fn: () => Promise<T>): Promise<T> {
      return guardDenials(audit, principal, operation, ref, fn);
    },

    /** The grant, outside a transaction, with refusals recorded. */
    check(principal: Principal, ref: string, operation: SecretOperation): Promise<SecretGrant> {
      return guardDenials(audit, principal, operation, ref, () => gate.secret(db, principal, ref, operation));
    },

    /** What the grant's principal may do with its secret (for showing only the buttons that will work). */
    operations(grant: SecretGrant): Record<SecretOperation, boolean> {
      return Object.fromEntries(
        secretOperations.map((op) => [op, decide(op, grant.facts, grant.relation) === 'allow']),
      ) as Record<SecretOperation, boolean>;
    },

    /**
     * What a `use` grant's principal may learn from an answer computed from the secret's
     * value (see `derivedDetail`); nothing at all without a use grant.
     */
    derivedDetail(grant: SecretGrant): 'full' | 'verdict' {
      if (!issued.has(grant) || grant.operation !== 'use')
        throw new AccessDeniedError('An answer derived from a value goes only to whoever may use the secret');
      return derivedDetail(grant.facts, grant.relation);
    },

    /** A payload, for a grant issued here for an operation that needs it: version `version` of a value. */
    open(tx: Executor, grant: SecretGrant, version: number = grant.row.version, environment = ''): Promise<Payload> {
      openable(grant);
      const sealed = environment === '' && version === grant.row.version ? sealedWith.get(grant) : undefined;
      return payloads(tx, grant.row, version, sealed, environment);
    },

    /** The current value of an environment ('' the secret's own) and its version; undefined when none is set. */
    async openEnvironment(tx: Executor, grant: SecretGrant, environment: string) {
      openable(grant);
      if (environment === '') {
        const payload = await payloads(tx, grant.row, grant.row.version, sealedWith.get(grant));
        return { payload, version: grant.row.version };
      }
      const head = await secretStore.head(tx, grant.row.id, environment);
      return head && { payload: await payloads(tx, grant.row, head.version, head, environment), version: head.version };
    },

    /**
     * Whether the principal may create a secret of `type`, checked before any validation: a
     * principal without the permission learns nothing about its input. Answers the group a
     * type's sharing rule binds the secret to.
     */
    async create(
      principal: Principal,
      type: CredentialType | undefined,
      name: string,
      place: { space?: unknown; visibility?: unknown } = {},
    ): Promise<{
      facts: PrincipalFacts;
      requiredGroup: GroupRow | undefined;
      spaceId: string;
      visibility: Visibility;
    }> {
      const facts = await factsOf(principal);
      const target = { id: null, name: typeof name === 'string' ? name : '' };
      const decision = await createDecision(principal, facts, type);
      if (decision.problem) await refuse(principal, 'create', target, decision.problem);
      // The space by name (none: the user's own default, else the installation's); one the principal may not create
      // in reads as one that does not exist.
      const spaceName =
        place.space === undefined || place.space === '' ? (facts.homeSpace ?? defaultSpaceName) : place.space;
      // The default space is known without a query (most creates, and every one of a one-space install).
      const space =
        spaceName === defaultSpaceName
          ? { id: defaultSpaceId }
          : typeof spaceName === 'string'
            ? await spaceStore.byName(db, spaceName)
            : undefined;
      if (!space || !createsIn(facts, space.id))
        await refuse(
          principal,
          'create',
          target,
          new AccessDeniedError(`You may not create secrets in space "${String(spaceName)}"`),
        );
      const visibility = place.visibility === undefined || place.visibility === '' ? 'private' : place.visibility;
      if (typeof visibility !== 'string' || !isVisibility(visibility))
        throw ValidationError.field('visibility', 'Visibility must be one of: private, space, global');
      // Usable everywhere: the company's relay, say. Made by whoever manages the default space.
      if (visibility === 'global' && !isManager(facts))
        await refuse(
          principal,
          'create',
          target,
          new AccessDeniedError('Only instance administrators (SECRET_MANAGEMENT) create global secrets'),
        );
      return { facts, requiredGroup: decision.requiredGroup, spaceId: space!.id, visibility };
    },

    /**
     * The types of `types` the principal may create a secret of now: `create`'s rules, asked
     * without attempting anything (nothing is refused or audited), so the UI offers only these.
     */
    async creatable(principal: Principal, types: readonly CredentialType[]): Promise<CredentialType[]> {
      const facts = await factsOf(principal);
      // Without the permission (or with a read-only token) no type is creatable: ask once, not per type.
      if ((await createDecision(principal, facts, undefined)).problem) return [];
      const allowed: CredentialType[] = [];
      for (const type of types) {
        // A type whose sharing rule names a missing group is offered to nobody.
        const decision = await createDecision(principal, facts, type).catch(() => undefined);
        if (decision && !decision.problem) allowed.push(type);
      }
      return allowed;
    },

    /**
     * The secrets a listing may show: the principal's store (owned plus shared directly), or
     * with `all` every secret (SECRET_MANAGEMENT, Tresor itself). Undefined: nothing.
     */
    async listing(principal: Principal, options: { all?: boolean } = {}): Promise<Listing | undefined> {
      const facts = await factsOf(principal);
      if (!facts.active || principal.kind === 'group') return undefined;
      const everything = facts.isSystem || (options.all === true && isManager(facts));
      if (options.all && !everything)
        await refuse(
          principal,
          'list-all',
          { id: null, name: 'all secrets' },
          new AccessDeniedError('Listing every secret needs the SECRET_MANAGEMENT permission'),
        );
      if (facts.isSystem) return { access: undefined, key: 'all', all: true };
      if (everything) {
        // Every secret of the spaces it manages: the default one's (SECRET_MANAGEMENT) and those it is manager of.
        const managed = [...facts.spaceRoles.keys(), defaultSpaceId].filter((id) => managesSpace(facts, id));
        const access = secretVisibility.inSpaces([...new Set(managed)]);
        return { access, key: `all:${principalKey(principal)}`, all: true };
      }
      return {
        access: secretVisibility.store(facts.userId!, [...facts.spaceRoles.keys()]),
        key: `store:${facts.userId}`,
      };
    },

    /**
     * Whether the principal may use (or see, `view`) a secret a provider holds (the environment,
     * mounted files), by the users and groups the provider names for it: the rules of a stored
     * secret shared with those users and groups — a named user sees it and may use it, a named
     * group's members' modules may use it and nobody sees it. Nobody owns a provided secret.
     */
    async mayUseProvided(
      principal: Principal,
      declared: { userIds: readonly string[]; groupIds: readonly string[] },
      operation: 'use' | 'view' = 'use',
    ): Promise<boolean> {
      const facts = await factsOf(principal);
      const relation = {
        owner: false,
        directShare: facts.userId !== null && declared.userIds.includes(facts.userId),
        groupShare: declared.groupIds.some((id) => facts.groupIds.has(id)),
        // Provided secrets are the default space's, private to those the provider names.
        spaceId: defaultSpaceId,
        visibility: 'private' as const,
      };
      return decide(operation, facts, relation) === 'allow';
    },

    /** What the principal's modules may use (owned, shared directly or with one of its groups). Undefined: nothing. */
    async usable(principal: Principal): Promise<Listing | undefined> {
      const facts = await factsOf(principal);
      if (!facts.active || facts.isSystem || readOnly(principal)) return undefined;
      const useSpaces = [...facts.spaceRoles].filter(([, roles]) => roles.has('member') || roles.has('admin'));
      return {
        access: secretVisibility.usable(
          facts.userId,
          [...facts.groupIds],
          useSpaces.map(([id]) => id),
        ),
        key: `usable:${principalKey(principal)}`,
      };
    },

    /** Refuses a share that would hand its sharer a use it does not have (see `selfShareProblem`). */
    shareTo(grant: SecretGrant, recipient: Recipient): void {
      const problem = selfShareProblem(grant.facts, grant.relation, recipient);
      if (problem) throw markDenied(new AccessDeniedError(problem), { id: grant.row.id, name: grant.row.name });
    },
  };
  return gate;
}
