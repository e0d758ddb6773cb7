/**
 * The SCIM endpoint under hostile input: fast-check sends made-up filters, PATCH operations,
 * bodies and ids, with the right token. Figures: requests sent, 5xx answers (must be 0), and
 * users the requests created or disabled beyond what valid ones may (none of the seeded
 * users is touched by a request naming none of them).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/http.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 60);
const token = 'scim-token-for-the-hostile-suite-0123456789abcdef';

const hostile = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    'userName eq "x" or 1 eq 1',
    'userName eq "\\"',
    'members[value eq "x"]',
    '__proto__',
    '../../Users',
    'A'.repeat(5000),
    '00000000-0000-4000-8000-000000000000',
  ),
);
const json = fc.jsonValue({ maxDepth: 3 });

describe('hostile SCIM requests (PGlite)', () => {
  let h: TestApp;
  const figures = { requests: 0, serverErrors: 0 };
  beforeAll(async () => {
    h = await testApp('pglite', { TRESOR_SCIM_TOKEN: token });
  });
  afterAll(async () => {
    process.stdout.write(`[figures] hostile SCIM requests: ${JSON.stringify(figures)}\n`);
    await h?.close();
  });

  it('answers every made-up request below 500, and leaves the administrator enabled', async () => {
    const adminId = (h.admin as { id: string }).id;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.constantFrom('/Users', '/Groups', '/Users/', '/Groups/'),
        hostile,
        fc.oneof(json, fc.record({ Operations: fc.array(fc.record({ op: hostile, path: hostile, value: json })) })),
        async (method, path, id, body) => {
          const url = path.endsWith('/')
            ? `${path}${encodeURIComponent(id)}`
            : `${path}?filter=${encodeURIComponent(id)}`;
          const answer = await h.request({
            method: method as 'GET',
            url: `/scim/v2${url}`,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: JSON.stringify(body) }),
          });
          figures.requests++;
          if (answer.statusCode >= 500) figures.serverErrors++;
          expect(answer.statusCode, answer.body.slice(0, 300)).toBeLessThan(500);
        },
      ),
      { numRuns: runs },
    );
    expect(figures.serverErrors).toBe(0);
    expect((await h.tresor.users.get(h.admin, adminId)).disabled).toBe(false);
  });
});
