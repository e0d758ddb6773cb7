/**
 * The authorisation matrix for spaces: every secret operation × every role a principal can
 * hold in a secret's space (and instance roles acting on a space they are not in) × the
 * secret's visibility → allow or deny, at the service level on both databases. The expected
 * cells are written out here, not derived from the policy, so the policy can be wrong. A
 * refused call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecretOperation, secretOperations } from '../../src/access/secret.policy.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { createGroup, createUser } from '../support/principals.ts';
import { type AttemptTarget, attemptOperation } from '../support/secret-operations.ts';

const relations = [
  'spaceAdmin',
  'spaceManager',
  'spaceMember',
  'spaceViewer',
  'memberThroughGroup',
  'instanceManagerOutside',
  'stranger',
] as const;
type Relation = (typeof relations)[number];
const visibilities = ['private', 'space', 'global'] as const;
type Visibility = (typeof visibilities)[number];

// Each row's letters follow secretOperations' order: view read update delete share unshare versions rollback
// use export holders.
const rows: Record<Relation, Record<Visibility, string>> = {
  spaceAdmin: { private: 'DDDDDDDDDDD', space: 'AADDDDADADD', global: 'DDDDDDDDADD' },
  spaceManager: { private: 'DAAAAAAADDA', space: 'AAAAAAAADDA', global: 'DAAAAAAAADA' },
  spaceMember: { private: 'DDDDDDDDDDD', space: 'AADDDDADADD', global: 'DDDDDDDDADD' },
  spaceViewer: { private: 'DDDDDDDDDDD', space: 'AADDDDADDDD', global: 'DDDDDDDDADD' },
  memberThroughGroup: { private: 'DDDDDDDDDDD', space: 'AADDDDADADD', global: 'DDDDDDDDADD' },
  instanceManagerOutside: { private: 'DDDDDDDDDDD', space: 'DDDDDDDDDDD', global: 'DDDDDDDDADD' },
  stranger: { private: 'DDDDDDDDDDD', space: 'DDDDDDDDDDD', global: 'DDDDDDDDADD' },
};
const expected = (relation: Relation, visibility: Visibility, operation: SecretOperation) =>
  rows[relation][visibility][secretOperations.indexOf(operation)] === 'A' ? 'allow' : 'deny';

describe.each(databaseKinds)('space authorisation matrix on %s', (kind) => {
  let t: TestTresor;
  let owner: Principal;
  let extra: Principal & { email: string };
  let other: { name: string };
  let actors: Record<Relation, Principal>;
  const figures = { cells: 0, unexpectedAllows: 0 };

  beforeAll(async () => {
    t = await testTresor(kind);
    const admin = t.admin;
    await t.tresor.spaces.create(admin, { name: 'payments' });
    const role = (who: { email: string }, r: string) =>
      t.tresor.spaces.setRole(admin, 'payments', { user: who.email }, r);
    const full = ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'] as const;
    // The owner creates global secrets too: an instance manager who is a member of the space.
    const ownerUser = await createUser(t.tresor, admin, 'owner', ['SECRET_MANAGEMENT']);
    await role(ownerUser, 'member');
    owner = ownerUser;
    const team = await createGroup(t.tresor, admin, 'team');
    await t.tresor.spaces.setRole(admin, 'payments', { group: team.name }, 'member');
    other = await createGroup(t.tresor, admin, 'other');
    extra = await createUser(t.tresor, admin, 'extra');
    const made = {
      spaceAdmin: await createUser(t.tresor, admin, 'space-admin', [...full]),
      spaceManager: await createUser(t.tresor, admin, 'space-manager', [...full]),
      spaceMember: await createUser(t.tresor, admin, 'space-member', [...full]),
      spaceViewer: await createUser(t.tresor, admin, 'space-viewer', [...full]),
      memberThroughGroup: await createUser(t.tresor, admin, 'group-member', [...full], [team.name]),
      instanceManagerOutside: await createUser(t.tresor, admin, 'instance-manager', ['SECRET_MANAGEMENT', ...full]),
      stranger: await createUser(t.tresor, admin, 'stranger', [...full]),
    };
    await role(made.spaceAdmin, 'admin');
    await role(made.spaceManager, 'manager');
    await role(made.spaceMember, 'member');
    await role(made.spaceViewer, 'viewer');
    actors = made;
  });

  afterAll(async () => {
    process.stdout.write(
      `[figures] space authorisation matrix (${kind}): ${figures.cells} cells, ${figures.unexpectedAllows} unexpected allows\n`,
    );
    await t?.close();
  });

  let serial = 0;
  /** A fresh secret of the owner in `payments`, at version 2, shared with an unrelated group. */
  async function freshSecret(visibility: Visibility) {
    const name = `s-${++serial}`;
    const fields = { password: 'p-one' };
    const created = await t.tresor.secrets.create(owner, {
      type: 'password',
      name,
      space: 'payments',
      visibility,
      fields,
    });
    await t.tresor.secrets.update(owner, created.id, { fields: { password: 'p-two' } });
    const share = await t.tresor.shares.share(owner, created.id, { group: other.name });
    return { id: created.id, ref: `payments/${name}`, shareId: share.id };
  }

  const changing: ReadonlySet<SecretOperation> = new Set(['update', 'delete', 'share', 'unshare', 'rollback']);
  const shared = new Map<Visibility, Promise<{ id: string; ref: string; shareId: string }>>();
  const sharedSecret = (visibility: Visibility) => {
    if (!shared.has(visibility)) shared.set(visibility, freshSecret(visibility));
    return shared.get(visibility)!;
  };

  const attempt = (operation: SecretOperation, actor: Principal, s: AttemptTarget) =>
    attemptOperation(t.tresor, operation, actor, s, extra.email);

  it('has a cell for every operation', () => {
    for (const relation of relations)
      for (const visibility of visibilities)
        expect(rows[relation][visibility]).toMatch(new RegExp(`^[AD]{${secretOperations.length}}$`));
  });

  for (const relation of relations)
    for (const visibility of visibilities)
      for (const operation of secretOperations)
        it(`${relation} × ${visibility} × ${operation} → ${expected(relation, visibility, operation)}`, async () => {
          // Operations that change nothing share one secret per visibility; the others get a fresh one.
          const s = changing.has(operation) ? await freshSecret(visibility) : await sharedSecret(visibility);
          const before = {
            meta: await t.tresor.secrets.get(systemPrincipal, s.id),
            shares: await t.tresor.shares.shares(systemPrincipal, s.id),
          };
          const outcome = await attempt(operation, actors[relation], s);
          figures.cells++;
          if (outcome === 'allow' && expected(relation, visibility, operation) === 'deny') figures.unexpectedAllows++;
          expect(outcome).toBe(expected(relation, visibility, operation));
          if (outcome === 'deny') {
            const after = {
              meta: await t.tresor.secrets.get(systemPrincipal, s.id),
              shares: await t.tresor.shares.shares(systemPrincipal, s.id),
            };
            expect({ ...after.meta, lastUsedAt: null }).toEqual({ ...before.meta, lastUsedAt: null });
            expect(after.shares).toEqual(before.shares);
          }
        });
});
