/**
 * Environments in the CLI (issue "Spaces"), as a child process over the REST API: a space's admin
 * declares them, a member sets a value per environment and copies one to another, everyone reads
 * them side by side and per environment's versions; no secret value is ever printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { exitCodes } from '../../src/cli/exit-codes.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { tresor } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const canaries = ['CANARY-env-prod', 'CANARY-env-staging'];
const outputs: string[] = [];
async function run(args: string[], env: Record<string, string>, input?: string) {
  const result = await tresor(args, { TRESOR_LOG_LEVEL: 'error', ...env }, input);
  outputs.push(result.stdout, result.stderr);
  return result;
}

describe('tresor spaces/secrets environments, remote mode', () => {
  let h: TestApp;
  let url: string;
  let member: Principal & { email: string };
  const as = async (who: Principal) => ({
    TRESOR_URL: url,
    TRESOR_TOKEN: await h.tokenFor(who),
    TRESOR_DATA_DIR: '/nonexistent',
  });

  beforeAll(async () => {
    h = await testApp('pglite');
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    member = await createUser(h.tresor, h.admin, 'env-cli-member', ['SECRET_MANAGEMENT_CREATE']);
    await h.tresor.spaces.create(h.admin, { name: 'payments' });
    await h.tresor.spaces.setRole(h.admin, 'payments', { user: member.email }, 'member');
  });
  afterAll(async () => {
    expect(findCanaries(outputs.join('\n'), canaries)).toEqual([]);
    await h?.close();
  });

  it('declares environments, sets and copies values per environment, and shows them side by side', async () => {
    const admin = await as(h.admin);
    const env = await as(member);
    expect((await run(['spaces', 'add-environment', 'payments', 'production'], admin)).stdout).toBe(
      'payments has environment production (its default)\n',
    );
    expect((await run(['spaces', 'add-environment', 'payments', 'staging'], admin)).stdout).toBe(
      'payments has environment staging\n',
    );
    // A member may not change the space's environments: the gate's refusal, its exit code.
    const refused = await run(['spaces', 'add-environment', 'payments', 'qa'], env);
    expect(refused.code).toBe(exitCodes.denied);
    expect((await run(['spaces', 'environments', 'payments'], env)).stdout).toBe('production\t(default)\nstaging\n');

    await run(['secrets', 'create', 'payments/db', '--type', 'password', '-s', '-'], env, `${canaries[0]}\n`);
    const set = await run(['secrets', 'set-environment', 'payments/db', 'staging', '-s', '-'], env, `${canaries[1]}\n`);
    expect(set.stderr).toBe('');
    expect(set.stdout).toBe('set payments/db in staging: now v1 there\n');
    expect((await h.tresor.use(Password, member, 'payments/db', { environment: 'staging' })).value.password).toBe(
      canaries[1],
    );
    const side = await run(['secrets', 'environments', 'payments/db'], env);
    expect(side.stdout).toMatch(/^production \(default\): v1, .* by env-cli-member\n {2}password: \(set\)\n/);
    expect(side.stdout).toMatch(/^staging: v1, /m);

    const copied = await run(
      ['secrets', 'copy-environment', 'payments/db', '--from', 'production', '--to', 'staging'],
      env,
    );
    expect(copied.stdout).toBe('copied payments/db from production to staging: now v2 there\n');
    expect((await h.tresor.use(Password, member, 'payments/db', { environment: 'staging' })).value.password).toBe(
      canaries[0],
    );
    const versions = await run(['secrets', 'versions', 'payments/db', '--environment', 'staging'], env);
    expect(versions.stdout).toMatch(/^v2\t.*\tcopied from production\nv1\t.*\tupdated\n$/);

    // Not declared: the error names the environments there are.
    const unknown = await run(['secrets', 'set-environment', 'payments/db', 'qa', '-s', '-'], env, 'x\n');
    expect(unknown.code).toBe(exitCodes.validation);
    expect(unknown.stderr).toContain('Space "payments" has no environment "qa" (it has production, staging)');

    const removing = await run(['spaces', 'remove-environment', 'payments', 'staging'], admin);
    expect(removing.code).toBe(exitCodes.conflict);
    expect(removing.stderr).toContain('1 secret has a value in staging');
    expect((await run(['spaces', 'remove-environment', 'payments', 'staging', '--force'], admin)).stdout).toBe(
      'removed staging from payments: 2 versions destroyed\n',
    );
  });

  it("chooses the user's own default space, where bare names then resolve first", async () => {
    const env = await as(member);
    expect((await run(['spaces', 'default'], env)).stdout).toBe("your default space: the installation's (default)\n");
    expect((await run(['spaces', 'default', 'payments'], env)).stdout).toBe('your default space: payments\n');
    const shown = await run(['secrets', 'show', 'db'], env);
    expect(shown.stdout).toMatch(/^payments\/db \(password, v1\)/);
    expect((await run(['spaces', 'default', '--clear'], env)).stdout).toBe(
      "your default space: the installation's (default)\n",
    );
    expect((await run(['secrets', 'show', 'db'], env)).code).toBe(exitCodes.notFound);
  });
});
