/**
 * The authorisation matrix for spaces: every secret operation × every role a principal can
 * hold in a secret's space (and instance roles acting on a space they are not in) × the
 * secret's visibility → allow or deny, at the service level on both databases. The expected
 * cells (test/support/space-matrix-cells.ts) are written out by hand, not derived from the
 * policy, so the policy can be wrong. A refused call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecretOperation, secretOperations } from '../../src/access/secret.policy.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { type AttemptTarget, attemptOperation } from '../support/secret-operations.ts';
import {
  expected,
  relations,
  rows,
  type SpaceMatrixWorld,
  spaceMatrixWorld,
  type Visibility,
  visibilities,
} from '../support/space-matrix-cells.ts';

describe.each(databaseKinds)('space authorisation matrix on %s', (kind) => {
  let t: TestTresor;
  let world: SpaceMatrixWorld;
  const figures = { cells: 0, unexpectedAllows: 0 };

  beforeAll(async () => {
    t = await testTresor(kind);
    world = await spaceMatrixWorld(t.tresor, t.admin);
  });

  afterAll(async () => {
    process.stdout.write(
      `[figures] space authorisation matrix (${kind}): ${figures.cells} cells, ${figures.unexpectedAllows} unexpected allows\n`,
    );
    await t?.close();
  });

  const freshSecret = (visibility: Visibility) => world.freshSecret(visibility);

  const changing: ReadonlySet<SecretOperation> = new Set(['update', 'delete', 'share', 'unshare', 'rollback']);
  const shared = new Map<Visibility, Promise<{ id: string; ref: string; shareId: string }>>();
  const sharedSecret = (visibility: Visibility) => {
    if (!shared.has(visibility)) shared.set(visibility, freshSecret(visibility));
    return shared.get(visibility)!;
  };

  const attempt = (operation: SecretOperation, actor: Principal, s: AttemptTarget) =>
    attemptOperation(t.tresor, operation, actor, s, world.extra.email);

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
          const outcome = await attempt(operation, world.actors[relation], s);
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
