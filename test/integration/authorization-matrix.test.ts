/**
 * The authorisation matrix: every secret operation × every relation a principal can have
 * to a secret → allow or deny, run against the service layer (which the UI, API, CLI and
 * modules all go through). No cell may be missing; a denied call must change nothing.
 * Twice per database: with Tresor's own users and groups, and with a host app's (principals
 * from the identity contract, permissions held through host groups, "disabled" meaning the
 * host removed the person) — the same cells either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecretOperation, secretOperations } from '../../src/access/secret.policy.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { createGroup, createUser, hostPeople } from '../support/principals.ts';
import { attemptOperation } from '../support/secret-operations.ts';

const relations = [
  'owner',
  'directShare',
  'groupMember',
  'otherGroupMember',
  'stranger',
  'manager',
  'ownerLackingPermission',
  'disabledUser',
] as const;
type Relation = (typeof relations)[number];

const A = 'allow' as const;
const D = 'deny' as const;
type Expect = typeof A | typeof D;

const matrix: Record<Relation, Record<SecretOperation, Expect>> = {
  owner: {
    view: A,
    read: A,
    update: A,
    delete: A,
    share: A,
    unshare: A,
    versions: A,
    rollback: A,
    use: A,
    export: D,
    holders: A,
  },
  directShare: {
    view: A,
    read: A,
    update: D,
    delete: D,
    share: D,
    unshare: D,
    versions: A,
    rollback: D,
    use: A,
    export: D,
    holders: D,
  },
  groupMember: {
    view: D,
    read: D,
    update: D,
    delete: D,
    share: D,
    unshare: D,
    versions: D,
    rollback: D,
    use: A,
    export: D,
    holders: D,
  },
  otherGroupMember: {
    view: D,
    read: D,
    update: D,
    delete: D,
    share: D,
    unshare: D,
    versions: D,
    rollback: D,
    use: D,
    export: D,
    holders: D,
  },
  stranger: {
    view: D,
    read: D,
    update: D,
    delete: D,
    share: D,
    unshare: D,
    versions: D,
    rollback: D,
    use: D,
    export: D,
    holders: D,
  },
  // SECRET_MANAGEMENT manages every secret but never sees values (nor exports them); its store holds only its own
  // and shared secrets.
  manager: {
    view: D,
    read: A,
    update: A,
    delete: A,
    share: A,
    unshare: A,
    versions: A,
    rollback: A,
    use: D,
    export: D,
    holders: A,
  },
  // Owns the secret but holds only SECRET_MANAGEMENT_CREATE.
  ownerLackingPermission: {
    view: A,
    read: A,
    update: D,
    delete: D,
    share: D,
    unshare: D,
    versions: A,
    rollback: D,
    use: A,
    export: D,
    holders: A,
  },
  // Owned the secret with every permission, then was disabled.
  disabledUser: {
    view: D,
    read: D,
    update: D,
    delete: D,
    share: D,
    unshare: D,
    versions: D,
    rollback: D,
    use: D,
    export: D,
    holders: D,
  },
};

const variants = databaseKinds.flatMap((kind) => [
  { kind, people: 'local' as const },
  { kind, people: 'host' as const },
]);

describe.each(variants)('authorisation matrix on $kind, $people people', ({ kind, people }) => {
  let t: TestTresor;
  let actors: Record<Relation, Principal>;
  let owners: Record<Relation, Principal>;
  let shared: { name: string };
  let extra: Principal & { email: string };
  let recipient: Principal;
  const figures = { cells: 0, unexpectedAllows: 0, unexpectedDenials: 0 };

  /** Disables the disabled user (an administrator in Tresor, or the host removing them) and back. */
  let setDisabled: (disabled: boolean) => Promise<void>;

  beforeAll(async () => {
    t = await testTresor(kind);
    const admin = t.admin;
    const full = ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'] as const;
    if (people === 'host') {
      const host = await hostPeople(t.tresor, admin);
      shared = await host.group('shared');
      const other = await host.group('other');
      const writers = await host.group('writers', [...full]);
      const creators = await host.group('creators', ['SECRET_MANAGEMENT_CREATE']);
      const managers = await host.group('managers', ['SECRET_MANAGEMENT']);
      const owner = await host.user('owner', [writers.name]);
      recipient = await host.user('recipient', [writers.name]);
      const lacking = await host.user('lacking', [creators.name]);
      const disabled = await host.user('disabled', [writers.name]);
      extra = await host.user('extra');
      actors = {
        owner,
        directShare: recipient,
        groupMember: await host.user('member', [writers.name, shared.name]),
        otherGroupMember: await host.user('othermember', [writers.name, other.name]),
        stranger: await host.user('stranger', [writers.name]),
        manager: await host.user('manager', [managers.name]),
        ownerLackingPermission: lacking,
        disabledUser: disabled,
      };
      const subject = host.subjectOf(disabled.id);
      setDisabled = async (off) => {
        if (off) await t.tresor.host.remove(subject);
        else await t.tresor.host.sync(host.people.get(subject)!);
      };
    } else {
      shared = await createGroup(t.tresor, admin, 'shared');
      const other = await createGroup(t.tresor, admin, 'other');
      const owner = await createUser(t.tresor, admin, 'owner', [...full]);
      recipient = await createUser(t.tresor, admin, 'recipient', [...full]);
      const lacking = await createUser(t.tresor, admin, 'lacking', ['SECRET_MANAGEMENT_CREATE']);
      const disabled = await createUser(t.tresor, admin, 'disabled', [...full]);
      extra = await createUser(t.tresor, admin, 'extra');
      actors = {
        owner,
        directShare: recipient,
        groupMember: await createUser(t.tresor, admin, 'member', [...full], [shared.name]),
        otherGroupMember: await createUser(t.tresor, admin, 'othermember', [...full], [other.name]),
        stranger: await createUser(t.tresor, admin, 'stranger', [...full]),
        manager: await createUser(t.tresor, admin, 'manager', ['SECRET_MANAGEMENT']),
        ownerLackingPermission: lacking,
        disabledUser: disabled,
      };
      setDisabled = async (off) => {
        await t.tresor.users.setDisabled(t.admin, disabled.id, off);
      };
    }
    owners = {
      ...(Object.fromEntries(relations.map((r) => [r, actors.owner])) as unknown as Record<Relation, Principal>),
      ownerLackingPermission: actors.ownerLackingPermission,
      disabledUser: actors.disabledUser,
    };
  });

  afterAll(async () => {
    process.stdout.write(
      `[figures] authorisation matrix (${kind}, ${people} people, service level): ${figures.cells} cells checked, ${figures.unexpectedAllows} unexpected allows, ${figures.unexpectedDenials} unexpected denials\n`,
    );
    await t?.close();
  });

  let serial = 0;
  /** A fresh secret of `owner`, at version 2, shared with the recipient and the shared group. */
  async function freshSecret(owner: Principal) {
    const name = `m-${++serial}`;
    const created = await t.tresor.secrets.create(owner, { type: 'password', name, fields: { password: 'p-one' } });
    await t.tresor.secrets.update(t.admin, created.id, { fields: { password: 'p-two' } });
    await t.tresor.shares.share(t.admin, created.id, { user: recipient.kind === 'user' ? recipient.id : '' });
    const groupShare = await t.tresor.shares.share(t.admin, created.id, { group: shared.name });
    return { id: created.id, name, groupShareId: groupShare.id };
  }

  const attempt = (operation: SecretOperation, actor: Principal, s: { id: string; groupShareId: string }) =>
    attemptOperation(t.tresor, operation, actor, { id: s.id, ref: s.id, shareId: s.groupShareId }, extra.email);

  it('has a cell for every operation and every relation', () => {
    for (const relation of relations)
      expect(Object.keys(matrix[relation]).sort()).toEqual([...secretOperations].sort());
  });

  for (const relation of relations) {
    for (const operation of secretOperations) {
      it(`${relation} × ${operation} → ${matrix[relation][operation]}`, async () => {
        const s = await freshSecret(owners[relation]);
        if (relation === 'disabledUser') await setDisabled(true);
        try {
          const before = {
            meta: await t.tresor.secrets.get(t.admin, s.id),
            shares: await t.tresor.shares.shares(t.admin, s.id),
          };
          const outcome = await attempt(operation, actors[relation], s);
          figures.cells++;
          if (outcome === 'allow' && matrix[relation][operation] === 'deny') figures.unexpectedAllows++;
          if (outcome === 'deny' && matrix[relation][operation] === 'allow') figures.unexpectedDenials++;
          expect(outcome).toBe(matrix[relation][operation]);
          if (outcome === 'deny') {
            // A refused call changes nothing.
            const after = {
              meta: await t.tresor.secrets.get(t.admin, s.id),
              shares: await t.tresor.shares.shares(t.admin, s.id),
            };
            expect({ ...after.meta, lastUsedAt: null }).toEqual({ ...before.meta, lastUsedAt: null });
            expect(after.shares).toEqual(before.shares);
          }
        } finally {
          if (relation === 'disabledUser') await setDisabled(false);
        }
      });
    }
  }

  it('refuses a stranger and an unknown name with the same error, so existence does not leak', async () => {
    const s = await freshSecret(actors.owner);
    const errors = await Promise.all([
      t.tresor.usage.useAny(actors.stranger, s.name).then(
        () => new Error('allowed'),
        (e: Error) => e,
      ),
      t.tresor.usage.useAny(actors.stranger, 'no-such-secret').then(
        () => new Error('allowed'),
        (e: Error) => e,
      ),
    ]);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(errors[0]!.message.replace(s.name, 'X')).toBe(errors[1]!.message.replace('no-such-secret', 'X'));
    const reads = await Promise.all([
      t.tresor.secrets.get(actors.stranger, s.name).catch((e: Error) => e.message),
      t.tresor.secrets.get(actors.stranger, 'nope').catch((e: Error) => e.message),
    ]);
    expect(reads).toEqual([`No secret "${s.name}"`, 'No secret "nope"']);
  });
});
