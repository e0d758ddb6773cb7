/**
 * Says, before anything runs, which database suites will run, so a run without
 * PostgreSQL cannot pass silently as if it had tested both.
 */
import postgres from 'postgres';
import { build } from '../../src/build.mjs';
import { buildState } from '../../src/build-state.mjs';

export default async function setup(): Promise<void> {
  // The CLI suites run the `tresor` bin as users do: compiled, from dist/.
  const state = buildState();
  if (state !== 'fresh') {
    process.stdout.write(`[tresor] dist/ is ${state}: building it for the CLI suites\n`);
    build({ quiet: true });
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    if (process.env.CI) throw new Error('TEST_DATABASE_URL must be set in CI: every database suite is required there');
    process.stdout.write(
      '\n[tresor] TEST_DATABASE_URL is not set: integration suites run on PGlite only; PostgreSQL suites are SKIPPED.\n\n',
    );
    return;
  }
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL does not answer there: ${(error as Error).message}`);
  } finally {
    await sql.end();
  }
  process.stdout.write('\n[tresor] integration suites run on PGlite and on PostgreSQL.\n\n');
}
