/**
 * `tresor spaces` and `--space`: the CLI as a child process. Remote mode as a space's admin, a
 * member and a viewer (the gate's answers, through the REST API); local mode as Tresor itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../credential-types/api-key.ts';
import { exitCodes } from '../../src/cli/exit-codes.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { tresor } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const canary = 'CANARY-space-cli-value';
const outputs: string[] = [];
async function run(args: string[], env: Record<string, string>, input?: string) {
  const result = await tresor(args, { TRESOR_LOG_LEVEL: 'error', ...env }, input);
  outputs.push(result.stdout, result.stderr);
  return result;
}

afterAll(() => {
  expect(findCanaries(outputs.join('\n'), [canary])).toEqual([]);
});

describe('tresor spaces, remote mode', () => {
  let h: TestApp;
  let url: string;
  let member: Principal & { email: string };
  let viewer: Principal & { email: string };
  const as = async (who: Principal) => ({
    TRESOR_URL: url,
    TRESOR_TOKEN: await h.tokenFor(who),
    TRESOR_DATA_DIR: '/nonexistent',
  });

  beforeAll(async () => {
    h = await testApp('pglite');
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    member = await createUser(h.tresor, h.admin, 'cli-member', ['SECRET_MANAGEMENT_CREATE']);
    viewer = await createUser(h.tresor, h.admin, 'cli-viewer');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates a space, gives roles, and shows who holds which', async () => {
    const admin = await as(h.admin);
    expect((await run(['spaces', 'create', 'payments', '--description', 'The payments team'], admin)).stdout).toBe(
      'created space payments\n',
    );
    expect((await run(['spaces', 'grant', 'payments', 'member', '--user', member.email], admin)).code).toBe(0);
    expect((await run(['spaces', 'grant', 'payments', 'viewer', '--user', viewer.email], admin)).code).toBe(0);
    const shown = await run(['spaces', 'show', 'payments'], admin);
    expect(shown.stdout).toContain('payments — The payments team');
    expect(shown.stdout).toMatch(new RegExp(`member\\s+user\\s+${member.email}`));
    expect(shown.stdout).toMatch(new RegExp(`viewer\\s+user\\s+${viewer.email}`));
    // Neither or both holders: a usage error naming the option, nothing changed.
    const neither = await run(['spaces', 'grant', 'payments', 'member'], admin);
    expect(neither.code).toBe(exitCodes.validation);
    expect(neither.stderr).toContain('--user');
  });

  it('lets a member create in the space as space/name and list that space, and a viewer only read', async () => {
    const env = await as(member);
    const created = await run(
      ['secrets', 'create', 'payments/psp', '--type', 'api-key', '--visibility', 'space', '--secret', '-'],
      env,
      `${canary}\n`,
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('created payments/psp (api-key, v1)\n');
    expect((await h.tresor.use(ApiKey, member, 'payments/psp')).value.key).toBe(canary);
    // The same name in the default space is another secret.
    await run(['secrets', 'create', 'psp', '--type', 'api-key', '--secret', '-'], env, 'default-value\n');
    const listed = await run(['secrets', 'list', '--space', 'payments'], env);
    expect(listed.stdout).toMatch(/^payments\/psp\s+api-key/m);
    expect(listed.stdout).not.toMatch(/^psp\s/m);
    const shown = await run(['secrets', 'show', 'payments/psp'], env);
    expect(shown.stdout).toContain('space: payments\n  visibility: space');

    // The viewer sees it (space visibility) but may not give roles: refused with the denied exit code.
    const viewerEnv = await as(viewer);
    expect((await run(['secrets', 'list', '--space', 'payments'], viewerEnv)).stdout).toMatch(/^payments\/psp/m);
    const refused = await run(['spaces', 'grant', 'payments', 'admin', '--user', viewer.email], viewerEnv);
    expect(refused.code).toBe(exitCodes.denied);
    expect(refused.stderr).toContain('admin role');
    const revoked = await run(['spaces', 'revoke', 'payments', '--user', viewer.email], await as(h.admin));
    expect(revoked.code).toBe(0);
    // Without a role the space does not exist for the viewer.
    const gone = await run(['spaces', 'show', 'payments'], viewerEnv);
    expect(gone.code).toBe(exitCodes.notFound);
  });
});

describe('tresor spaces, local mode', () => {
  const env = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-spaces-')) };

  it('creates and lists spaces and puts a secret in one, as Tresor itself', async () => {
    expect((await run(['spaces', 'create', 'ops'], env)).stdout).toBe('created space ops\n');
    const created = await run(
      ['secrets', 'create', 'relay', '--type', 'api-key', '--space', 'ops', '--secret', '-'],
      env,
      `${canary}\n`,
    );
    expect(created.stdout).toBe('created ops/relay (api-key, v1)\n');
    // The space's own key: one version sealing the one value; rotation moves it and destroys the old.
    expect((await run(['spaces', 'key', 'ops'], env)).stdout).toMatch(
      /^current key version: 1\n {2}v1: 1 data keys, made /,
    );
    const rotated = await run(['spaces', 'rotate-key', 'ops', '--batch-size', '1'], env);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^rotated ops to key v2: 1 data keys re-wrapped, 1 old version destroyed in /);
    expect(rotated.stderr).toContain('rotating ops to key v2: 1 data keys re-wrapped');
    const key = JSON.parse((await run(['spaces', 'key', 'ops', '--json'], env)).stdout) as { versions: unknown[] };
    expect(key.versions).toEqual([expect.objectContaining({ version: 2, dataKeys: 1 })]);
    expect((await run(['spaces', 'rotate-key', 'ops', '--batch-size', 'x'], env)).code).toBe(exitCodes.validation);
    const listed = await run(['spaces', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((s) => s.name)).toEqual(['default', 'ops']);
    // Deleting asks for the name on a terminal; without one it needs --yes, and nothing goes.
    const unasked = await run(['spaces', 'delete', 'ops'], env);
    expect(unasked.code).toBe(exitCodes.validation);
    expect(unasked.stderr).toContain('--yes');
    expect((await run(['spaces', 'delete', 'ops', '--yes'], env)).stdout).toBe('deleted space ops with 1 secret\n');
    expect((await run(['secrets', 'show', 'ops/relay'], env)).code).toBe(exitCodes.notFound);
  });
});
