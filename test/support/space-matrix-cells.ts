/**
 * The expected cells of the space authorisation matrix, written out by hand (not derived from
 * the policy, so the policy can be wrong): for each relation to a secret's space and each
 * visibility, one letter per operation in secretOperations' order — A allow, D deny. Shared by
 * the service-level matrix (test/integration) and the HTTP one (test/api).
 */
import { type SecretOperation, secretOperations } from '../../src/access/secret.policy.ts';
import type { Principal } from '../../src/identity/principal.ts';
import type { Tresor } from '../../src/tresor.ts';
import { createGroup, createUser } from './principals.ts';
import type { AttemptTarget } from './secret-operations.ts';

export const relations = [
  'spaceAdmin',
  'spaceManager',
  'spaceMember',
  'spaceViewer',
  'memberThroughGroup',
  'instanceManagerOutside',
  'stranger',
] as const;
export type Relation = (typeof relations)[number];
export const visibilities = ['private', 'space', 'global'] as const;
export type Visibility = (typeof visibilities)[number];

// Each row's letters follow secretOperations' order: view read update delete share unshare versions rollback
// use export holders.
export const rows: Record<Relation, Record<Visibility, string>> = {
  spaceAdmin: { private: 'DDDDDDDDDDD', space: 'AADDDDADADD', global: 'DDDDDDDDADD' },
  spaceManager: { private: 'DAAAAAAADDA', space: 'AAAAAAAADDA', global: 'DAAAAAAAADA' },
  spaceMember: { private: 'DDDDDDDDDDD', space: 'AADDDDADADD', global: 'DDDDDDDDADD' },
  spaceViewer: { private: 'DDDDDDDDDDD', space: 'AADDDDADDDD', global: 'DDDDDDDDADD' },
  memberThroughGroup: { private: 'DDDDDDDDDDD', space: 'AADDDDADADD', global: 'DDDDDDDDADD' },
  instanceManagerOutside: { private: 'DDDDDDDDDDD', space: 'DDDDDDDDDDD', global: 'DDDDDDDDADD' },
  stranger: { private: 'DDDDDDDDDDD', space: 'DDDDDDDDDDD', global: 'DDDDDDDDADD' },
};

export const expected = (relation: Relation, visibility: Visibility, operation: SecretOperation) =>
  rows[relation][visibility][secretOperations.indexOf(operation)] === 'A' ? 'allow' : 'deny';

/** The people of the matrix and a maker of fresh secrets: one world, for the service and HTTP matrices. */
export interface SpaceMatrixWorld {
  owner: Principal;
  /** Whom `share` shares with. */
  extra: Principal & { email: string };
  actors: Record<Relation, Principal & { email: string }>;
  /** A fresh secret of the owner in `payments`, at version 2, shared with an unrelated group. */
  freshSecret(visibility: Visibility): Promise<AttemptTarget>;
}

export async function spaceMatrixWorld(tresor: Tresor, admin: Principal): Promise<SpaceMatrixWorld> {
  await tresor.spaces.create(admin, { name: 'payments' });
  const role = (who: { email: string }, r: string) => tresor.spaces.setRole(admin, 'payments', { user: who.email }, r);
  const full = ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'] as const;
  // The owner creates global secrets too: an instance manager who is a member of the space.
  const owner = await createUser(tresor, admin, 'owner', ['SECRET_MANAGEMENT']);
  await role(owner, 'member');
  const team = await createGroup(tresor, admin, 'team');
  await tresor.spaces.setRole(admin, 'payments', { group: team.name }, 'member');
  const other = await createGroup(tresor, admin, 'other');
  const extra = await createUser(tresor, admin, 'extra');
  const actors = {
    spaceAdmin: await createUser(tresor, admin, 'space-admin', [...full]),
    spaceManager: await createUser(tresor, admin, 'space-manager', [...full]),
    spaceMember: await createUser(tresor, admin, 'space-member', [...full]),
    spaceViewer: await createUser(tresor, admin, 'space-viewer', [...full]),
    memberThroughGroup: await createUser(tresor, admin, 'group-member', [...full], [team.name]),
    instanceManagerOutside: await createUser(tresor, admin, 'instance-manager', ['SECRET_MANAGEMENT', ...full]),
    stranger: await createUser(tresor, admin, 'stranger', [...full]),
  };
  await role(actors.spaceAdmin, 'admin');
  await role(actors.spaceManager, 'manager');
  await role(actors.spaceMember, 'member');
  await role(actors.spaceViewer, 'viewer');
  let serial = 0;
  return {
    owner,
    extra,
    actors,
    async freshSecret(visibility) {
      const name = `s-${++serial}`;
      const created = await tresor.secrets.create(owner, {
        type: 'password',
        name,
        space: 'payments',
        visibility,
        fields: { password: 'p-one' },
      });
      await tresor.secrets.update(owner, created.id, { fields: { password: 'p-two' } });
      const share = await tresor.shares.share(owner, created.id, { group: other.name });
      return { id: created.id, ref: `payments/${name}`, shareId: share.id };
    },
  };
}
