/**
 * Many nodes starting at once on an empty PostgreSQL database with the same first-admin
 * settings: exactly one creates the administrator, the others find it; none fails. And a
 * failed query never prints its parameters (a password hash, a token hash) when logged.
 */
import { describe, expect, it } from 'vitest';
import { printable } from '../../src/db/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';
import { createPostgresDatabase, postgresUrl, testConfig } from '../support/databases.ts';

describe.skipIf(!postgresUrl)('nodes starting together on an empty PostgreSQL', () => {
  it('creates the first administrator exactly once, in every round', async () => {
    const rounds = 4;
    const outcomes: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const db = await createPostgresDatabase();
      const env = { DATABASE_URL: db.url, TRESOR_MASTER_KEY: testConfig().masterKey! };
      const nodes = await Promise.all(
        [0, 1, 2].map(() => createTresor(testConfig(env), { logger: createLogger('silent') })),
      );
      try {
        const results = await Promise.allSettled(
          nodes.map((n) => n.bootstrap.firstStart({ email: 'root@example.test', password: 'a long admin password' })),
        );
        const kinds = results
          .map((r) => (r.status === 'fulfilled' ? r.value.kind : `failed: ${String(r.reason)}`))
          .sort();
        outcomes.push(kinds.join(','));
        expect(kinds).toEqual(['created', 'ready', 'ready']);
        const [{ n }] = (await nodes[0]!.database.raw.query<{ n: number }>('select count(*)::int as n from users')) as [
          { n: number },
        ];
        expect(n).toBe(1);
      } finally {
        for (const n of nodes) await n.close();
        await db.drop();
      }
    }
    process.stdout.write(
      `[figures] bootstrap races: ${rounds} rounds of 3 nodes, ${outcomes.filter((o) => o === 'created,ready,ready').length} survived\n`,
    );
  }, 120_000);
});

describe('printable errors', () => {
  it("drops a failed query's text and parameters, keeping what PostgreSQL said", () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "users_email_unique"'), {
      code: '23505',
      constraint_name: 'users_email_unique',
    });
    const failed = Object.assign(
      new Error(
        'Failed query: insert into users ...\nparams: root@example.test,$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      ),
      {
        query: 'insert into users ...',
        params: ['root@example.test', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'],
        cause,
      },
    );
    const shown = JSON.stringify(printable(failed));
    expect(shown).not.toContain('argon2id');
    expect(shown).not.toContain('insert into');
    expect(printable(failed)).toMatchObject({ code: '23505', message: expect.stringContaining('users_email_unique') });
  });
});
