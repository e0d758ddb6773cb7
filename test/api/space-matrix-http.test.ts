/**
 * The space authorisation matrix over HTTP: the same hand-written cells as the service-level
 * matrix (test/support/space-matrix-cells.ts), each attempted through the REST API with the
 * actor's own API token, on both databases. 2xx is an allow; 403 and 404 are refusals; anything
 * else fails the cell. `use` has no door in the API (values never leave the process), so its
 * cells are the service matrix's alone. A refused call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecretOperation, secretOperations } from '../../src/access/secret.policy.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import type { AttemptTarget } from '../support/secret-operations.ts';
import {
  expected,
  type Relation,
  relations,
  type SpaceMatrixWorld,
  spaceMatrixWorld,
  type Visibility,
  visibilities,
} from '../support/space-matrix-cells.ts';

type HttpOperation = Exclude<SecretOperation, 'use'>;
const httpOperations = secretOperations.filter((o): o is HttpOperation => o !== 'use');

describe.each(databaseKinds)('space authorisation matrix over HTTP on %s', (kind) => {
  let h: TestApp;
  let world: SpaceMatrixWorld;
  const tokens = new Map<Relation, string>();
  const figures = { cells: 0, unexpectedAllows: 0 };

  beforeAll(async () => {
    h = await testApp(kind);
    world = await spaceMatrixWorld(h.tresor, h.admin);
    for (const relation of relations) tokens.set(relation, await h.tokenFor(world.actors[relation]));
  });
  afterAll(async () => {
    process.stdout.write(
      `[figures] space authorisation matrix over HTTP (${kind}): ${figures.cells} cells, ` +
        `${figures.unexpectedAllows} unexpected allows\n`,
    );
    await h?.close();
  });

  /** One attempt through the API: the route a UI, CLI or script would call for the operation. */
  async function attempt(operation: HttpOperation, token: string, s: AttemptTarget): Promise<'allow' | 'deny'> {
    const at = `/api/v1/secrets/${encodeURIComponent(s.ref)}`;
    const calls: Record<HttpOperation, () => ReturnType<TestApp['api']>> = {
      view: () => h.api('GET', '/api/v1/secrets?limit=500', token),
      read: () => h.api('GET', at, token),
      update: () => h.api('PATCH', at, token, { description: 'changed' }),
      delete: () => h.api('DELETE', at, token),
      share: () => h.api('POST', `${at}/shares`, token, { user: world.extra.email }),
      unshare: () => h.api('DELETE', `${at}/shares/${s.shareId}`, token),
      versions: () => h.api('GET', `${at}/versions`, token),
      rollback: () => h.api('POST', `${at}/rollback`, token, { version: 1 }),
      export: () => h.api('POST', '/api/v1/admin/export', token, { passphrase: 'matrix passphrase', only: [s.id] }),
      holders: () => h.api('GET', `${at}/shares`, token),
    };
    const response = await calls[operation]();
    if (operation === 'view' && response.statusCode === 200)
      return (response.json() as { items: { id: string }[] }).items.some((i) => i.id === s.id) ? 'allow' : 'deny';
    if (response.statusCode >= 200 && response.statusCode < 300) return 'allow';
    if (response.statusCode === 403 || response.statusCode === 404) return 'deny';
    throw new Error(`${operation}: unexpected ${response.statusCode} ${response.body}`);
  }

  const changing: ReadonlySet<SecretOperation> = new Set(['update', 'delete', 'share', 'unshare', 'rollback']);
  const shared = new Map<Visibility, Promise<AttemptTarget>>();
  const sharedSecret = (visibility: Visibility) => {
    if (!shared.has(visibility)) shared.set(visibility, world.freshSecret(visibility));
    return shared.get(visibility)!;
  };

  for (const relation of relations)
    for (const visibility of visibilities)
      for (const operation of httpOperations)
        it(`${relation} × ${visibility} × ${operation} → ${expected(relation, visibility, operation)}`, async () => {
          const s = changing.has(operation) ? await world.freshSecret(visibility) : await sharedSecret(visibility);
          const before = {
            meta: await h.tresor.secrets.get(systemPrincipal, s.id),
            shares: await h.tresor.shares.shares(systemPrincipal, s.id),
          };
          const outcome = await attempt(operation, tokens.get(relation)!, s);
          figures.cells++;
          if (outcome === 'allow' && expected(relation, visibility, operation) === 'deny') figures.unexpectedAllows++;
          expect(outcome).toBe(expected(relation, visibility, operation));
          if (outcome === 'deny') {
            expect({ ...(await h.tresor.secrets.get(systemPrincipal, s.id)), lastUsedAt: null }).toEqual({
              ...before.meta,
              lastUsedAt: null,
            });
            expect(await h.tresor.shares.shares(systemPrincipal, s.id)).toEqual(before.shares);
          }
        });
});
