/**
 * The `tresor` CLI as a child process, in both modes: local (its own embedded database)
 * and remote (the REST API of a running server, with a token or a stored login).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tresor } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';
import { sshKey } from '../support/ssh-keys.ts';

const canary = 'CANARY-cli-secret-value';
const outputs: string[] = [];
async function run(args: string[], env: Record<string, string>, input?: string) {
  const result = await tresor(args, { TRESOR_LOG_LEVEL: 'error', ...env }, input);
  outputs.push(result.stdout, result.stderr);
  return result;
}

afterAll(() => {
  // No CLI output, in either mode, ever held a secret value.
  expect(findCanaries(outputs.join('\n'), [canary])).toEqual([]);
});

describe('tresor secrets, local mode', () => {
  const env = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-local-')) };

  it('creates, lists, shows, updates, rolls back and deletes, with stable JSON', async () => {
    expect(
      (
        await run(
          [
            'secrets',
            'create',
            'db',
            '--type',
            'password',
            '--field',
            'username=app',
            '-s',
            canary,
            '--description',
            'main',
          ],
          env,
        )
      ).stdout,
    ).toBe('created db (password, v1)\n');
    const list = JSON.parse((await run(['secrets', 'list', '--json'], env)).stdout) as {
      name: string;
      type: string;
      version: number;
    }[];
    expect(list.map((s) => [s.name, s.type, s.version])).toEqual([['db', 'password', 1]]);
    const shown = await run(['secrets', 'show', 'db', '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'db', fields: { username: 'app' } });
    expect((await run(['secrets', 'update', 'db', '--field', 'username=svc'], env)).stdout).toBe(
      'updated db: now v2\n',
    );
    expect((await run(['secrets', 'update', 'db', '--field', 'username=svc'], env)).stdout).toBe(
      'nothing changed: db stays at v2\n',
    );
    const versions = JSON.parse((await run(['secrets', 'versions', 'db', '--json'], env)).stdout) as {
      version: number;
    }[];
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    // The previous version against the current one: the plain field old → new, never the password.
    expect((await run(['secrets', 'diff', 'db'], env)).stdout).toBe(
      'v1 (created) → v2 (updated)\nusername: app → svc\n',
    );
    expect((await run(['secrets', 'diff', 'db', '--from', '2', '--to', '2'], env)).stdout).toContain(
      'no field changed',
    );
    expect(await run(['secrets', 'diff', 'db', '--from', '5'], env)).toMatchObject({ code: 6 });
    expect((await run(['secrets', 'rollback', 'db', '--to', '1', '--reason', 'oops'], env)).stdout).toBe(
      'rolled db back to v1: now v3\n',
    );
    expect((await run(['secrets', 'share', 'db', '--group', 'system'], env)).stdout).toBe(
      'shared db with group system\n',
    );
    // The stored password survived every update (the system group's modules render it).
    const config = join(env.TRESOR_DATA_DIR, 'app.conf');
    writeFileSync(config, "user={{ secret('db').username }}\npassword={{ secret('db') }}\n");
    const rendered = await tresor(['render', config], { ...env, TRESOR_LOG_LEVEL: 'error' });
    expect(rendered.stdout).toBe(`user=app\npassword=${canary}\n`);
    expect((await run(['render', config, '--check'], env)).stdout).toBe(`${config}: every reference is usable\n`);
    expect((await run(['secrets', 'unshare', 'db', '--group', 'system'], env)).stdout).toBe(
      'unshared db from group system\n',
    );
    expect((await run(['secrets', 'delete', 'db', '--yes'], env)).stdout).toBe('deleted db\n');
    expect((await run(['secrets', 'list'], env)).stdout).toBe('no secrets\n');
  }, 120_000);

  it('runs the expiry notices due now, and says when the mail could not go out', async () => {
    expect(
      (await run(['secrets', 'create', 'soon-key', '--type', 'api-key', '-s', canary, '--expires', '2099-01-10'], env))
        .code,
    ).toBe(0);
    expect((await run(['notices', 'run', '--at', '2098-12-01T00:00Z'], env)).stdout).toBe('0 notice(s) sent\n');
    // 9 days before: the 30-day notice is due, but no SMTP secret is usable by system: tried again next run.
    await run(['secrets', 'notify', 'soon-key', '--email', 'ops@example.test'], env);
    const due = await run(['notices', 'run', '--at', '2099-01-01T00:00Z', '--json'], env);
    expect(JSON.parse(due.stdout)).toEqual({ ran: true, sent: 0, failed: 1, nobody: 0 });
    // Created in local mode, it has no owner: with the list emptied, nobody is told, and that is said.
    await run(['secrets', 'notify', 'soon-key', '--none'], env);
    expect((await run(['notices', 'run', '--at', '2099-01-01T00:00Z'], env)).stdout).toBe(
      '0 notice(s) sent, 1 with nobody to tell (no owner, no recipients)\n',
    );
    const bad = await run(['notices', 'run', '--at', 'soon'], env);
    expect(bad).toMatchObject({
      code: 6,
      stderr: 'tresor: Invalid input: at: --at must be a time, e.g. 2027-01-31T09:00Z\n',
    });
  }, 120_000);

  it('exports to an archive and imports it into another store, with a dry run first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-cli-archive-'));
    const passphraseFile = join(dir, 'passphrase');
    writeFileSync(passphraseFile, 'correct horse battery staple archive\n', { mode: 0o600 });
    await run(['secrets', 'create', 'moving-db', '--type', 'password', '-s', canary], env);
    const exported = await run(['export', '--passphrase-file', passphraseFile, '--secret', 'moving-db'], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout.startsWith('TRESOR-ARCHIVE\n')).toBe(true);
    expect(exported.stderr).toContain('exported 1 secret(s)');
    const archive = join(dir, 'backup.tresor');
    writeFileSync(archive, exported.stdout);

    const other = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-other-')) };
    const dry = await run(['import', archive, '--passphrase-file', passphraseFile, '--dry-run'], other);
    expect(dry.stdout).toBe(
      'would create moving-db (password, 1 version)\ndry run, nothing written: 1 created, 0 renamed, 0 skipped, 0 failed\n',
    );
    expect((await run(['secrets', 'list', '--json'], other)).stdout).toBe('[]\n');
    expect((await run(['import', archive, '--passphrase-file', passphraseFile], other)).stdout).toContain(
      '1 created, 0 renamed, 0 skipped, 0 failed',
    );
    expect(JSON.parse((await run(['secrets', 'show', 'moving-db', '--json'], other)).stdout)).toMatchObject({
      type: 'password',
    });
    writeFileSync(passphraseFile, 'another passphrase entirely\n');
    const wrong = await run(['import', archive, '--passphrase-file', passphraseFile], other);
    expect(wrong).toMatchObject({ code: 6 });
    expect(wrong.stderr).toContain('Wrong passphrase for this archive');
  }, 120_000);

  it('lists the secrets providers hold, and what is wrong with one, never a value', async () => {
    const provided = {
      ...env,
      TRESOR_PROVIDER_ENV: 'KEEP_',
      KEEP_CLI_KEY__TYPE: 'api-key',
      KEEP_CLI_KEY__KEY: canary,
      KEEP_CLI_BAD__TYPE: 'api-key',
      KEEP_CLI_BAD__KYE: canary,
    };
    const listed = await run(['provided'], provided);
    expect(listed.stdout).toBe(
      'cli-bad (api-key, from env: KEEP_CLI_BAD__*) fields KYE — env secret "cli-bad" (KEEP_CLI_BAD__*): ' +
        'KYE is not a field of API key (fields: key, expiresOn)\n' +
        'cli-key (api-key, from env: KEEP_CLI_KEY__*) fields KEY\n',
    );
    expect(
      JSON.parse((await run(['provided', '--json'], provided)).stdout).map((v: { name: string }) => v.name),
    ).toEqual(['cli-bad', 'cli-key']);
  });

  it('reads a PEM from a file with -f and a generic secret from --pair', async () => {
    const keyFile = join(env.TRESOR_DATA_DIR, 'id_ed25519');
    const key = sshKey('ed25519');
    writeFileSync(keyFile, key.openssh);
    expect((await run(['secrets', 'create', 'deploy-key', '--type', 'ssh-key', '-f', keyFile], env)).code).toBe(0);
    const shown = JSON.parse((await run(['secrets', 'show', 'deploy-key', '--json'], env)).stdout) as {
      facts: Record<string, string>;
    };
    expect(shown.facts.fingerprint).toBe(key.fingerprint);
    expect((await run(['secrets', 'create', 'env', '--type', 'generic', '--pair', `TOKEN=${canary}`], env)).code).toBe(
      0,
    );
    expect(JSON.parse((await run(['secrets', 'show', 'env', '--json'], env)).stdout).fields).toEqual({
      entries: [{ name: 'TOKEN', value: '' }],
    });
  }, 180_000);

  it('reads a secret from standard input with -s -, and warns when one is written on the command line', async () => {
    const piped = await run(['secrets', 'create', 'piped', '--type', 'password', '-s', '-'], env, `${canary}-piped\n`);
    expect(piped.stdout).toBe('created piped (password, v1)\n');
    expect(piped.stderr).not.toContain('warning');
    const argv = await run(['secrets', 'update', 'piped', '-s', `${canary}-argv`], env);
    expect(argv.code).toBe(0);
    expect(argv.stderr).toMatch(
      /warning: the secret given with -s is readable by every local user in the process list/,
    );
    const field = await run(['secrets', 'update', 'piped', '--field', `password=${canary}-field`], env);
    expect(field.stderr).toMatch(/warning: the secret given with --field password=… is readable/);
    // A non-secret field is no secret: no warning.
    expect((await run(['secrets', 'update', 'piped', '--field', 'username=u'], env)).stderr).not.toContain('warning');
  }, 120_000);

  it('prints a description holding terminal escape sequences escaped, and --json keeps it exact', async () => {
    const hostile = 'pwned\u001b[2J\u001b]0;title\u0007\rover';
    await run(['secrets', 'create', 'escapes', '--type', 'password', '-s', '-', '--description', hostile], env, canary);
    const shown = await run(['secrets', 'show', 'escapes'], env);
    for (const raw of ['\u001b', '\u0007', '\r']) expect(shown.stdout).not.toContain(raw);
    expect(shown.stdout).toContain('pwned\\u001b[2J');
    const json = await run(['secrets', 'show', 'escapes', '--json'], env);
    expect(JSON.parse(json.stdout).description).toBe(hostile);
  }, 120_000);

  it('exits with a distinct code and one line for each kind of error', async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['secrets', 'create', 'x', '--type', 'nope'],
        6,
        /^tresor: Invalid input: type: Unknown type "nope"; see tresor types$/,
      ],
      [['secrets', 'create', 'x', '--type', 'smtp', '--field', 'port=abc'], 6, /fields\.port: Port must be a number/],
      [['secrets', 'show', 'missing'], 3, /^tresor: No secret "missing"$/],
      [
        ['secrets', 'create', 'env', '--type', 'generic', '--pair', 'A=b'],
        5,
        /^tresor: A secret named "env" already exists$/,
      ],
      [['secrets', 'delete', 'env'], 6, /pass --yes/],
      [['secrets', 'rollback', 'env'], 2, /required option '--to <version>'/],
      [['secrets', 'share', 'env'], 6, /exactly one of --user EMAIL or --group NAME/],
    ];
    for (const [args, code, message] of cases) {
      const result = await run(args, env);
      expect(result.code, args.join(' ')).toBe(code);
      // A value on the command line adds its warning (below); the error itself is one line.
      const lines = result.stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('warning:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  }, 180_000);
});

describe('tresor secrets test, local mode', () => {
  it('explains that a test runs as a user: Tresor itself never uses secret values', async () => {
    const env = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-test-')) };
    await run(['secrets', 'create', 'a-key', '--type', 'api-key', '-s', canary], env);
    const result = await run(['secrets', 'test', 'a-key'], env);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^tresor: tresor secrets test runs as a user who may use the secret: give --url/);
  });
});

describe('tresor secrets, remote mode', () => {
  let h: TestApp;
  let url: string;
  let token: string;
  beforeAll(async () => {
    h = await testApp('pglite', {
      TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '100',
      TRESOR_TYPES_DIR: join(import.meta.dirname, '../fixtures/config-types'),
    });
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    token = await h.tokenFor(h.admin);
  });
  afterAll(() => h?.close());

  it('works over the REST API with --url and --token', async () => {
    const env = { TRESOR_URL: url, TRESOR_TOKEN: token, TRESOR_DATA_DIR: '/nonexistent' };
    expect((await run(['secrets', 'create', 'remote-db', '--type', 'password', '-s', canary], env)).stdout).toBe(
      'created remote-db (password, v1)\n',
    );
    expect(
      JSON.parse((await run(['secrets', 'list', '--json'], env)).stdout).map((s: { name: string }) => s.name),
    ).toEqual(['remote-db']);
    expect((await run(['secrets', 'update', 'remote-db', '--field', 'username=u'], env)).stdout).toBe(
      'updated remote-db: now v2\n',
    );
    expect((await h.tresor.usage.useAny(h.admin, 'remote-db')).payload.password).toBe(canary);
    const friend = await createUser(h.tresor, h.admin, 'cli-friend');
    expect((await run(['secrets', 'share', 'remote-db', '--user', friend.email], env)).stdout).toBe(
      `shared remote-db with user ${friend.email}\n`,
    );
    expect((await run(['secrets', 'rollback', 'remote-db', '--to', '1'], env)).stdout).toBe(
      'rolled remote-db back to v1: now v3\n',
    );
    // A generated password: made on the server, never printed; the module gets it.
    const generated = await run(
      ['secrets', 'create', 'generated-db', '--type', 'password', '--generate', 'password'],
      env,
    );
    expect(generated.stdout).toBe('created generated-db (password, v1)\n');
    const made = String((await h.tresor.usage.useAny(h.admin, 'generated-db')).payload.password);
    expect(made).toHaveLength(24);
    expect(generated.stdout + generated.stderr).not.toContain(made);
    expect((await run(['secrets', 'update', 'generated-db', '--generate', 'password'], env)).stdout).toBe(
      'updated generated-db: now v2\n',
    );
    expect((await h.tresor.usage.useAny(h.admin, 'generated-db')).payload.password).not.toBe(made);
    const refused = await run(['secrets', 'update', 'generated-db', '--generate', 'username'], env);
    expect(refused).toMatchObject({ code: 6 });
    expect(refused.stderr).toContain('no field "username" that Tresor can generate');
    const diff = JSON.parse(
      (await run(['secrets', 'diff', 'remote-db', '--from', '1', '--to', '2', '--json'], env)).stdout,
    );
    expect(diff.fields.find((f: { key: string }) => f.key === 'password')).toEqual({
      key: 'password',
      secret: true,
      changed: false,
      setBefore: true,
      setAfter: true,
    });
    expect(JSON.stringify(diff)).not.toContain(canary);
    const stranger = await createUser(h.tresor, h.admin, 'cli-stranger', ['SECRET_MANAGEMENT_CREATE']);
    const denied = await run(['secrets', 'show', 'remote-db'], { ...env, TRESOR_TOKEN: await h.tokenFor(stranger) });
    expect(denied).toMatchObject({ code: 3, stderr: 'tresor: No secret "remote-db"\n' });
    const friendToken = await h.tokenFor(friend);
    expect((await run(['secrets', 'delete', 'remote-db', '--yes'], { ...env, TRESOR_TOKEN: friendToken })).code).toBe(
      4,
    );
    expect((await run(['secrets', 'list'], { ...env, TRESOR_TOKEN: 'tsr_bad' })).code).toBe(4);
    expect((await run(['secrets', 'delete', 'remote-db', '--yes'], env)).stdout).toBe('deleted remote-db\n');
  }, 120_000);

  it('runs the connection test over the API: one line per check, exit code 11 when one failed', async () => {
    const env = { TRESOR_URL: url, TRESOR_TOKEN: token, TRESOR_DATA_DIR: '/nonexistent' };
    await h.tresor.secrets.create(h.admin, { type: 'api-key', name: 'fresh-key', fields: { key: canary } });
    const fresh = await run(['secrets', 'test', 'fresh-key', '--json'], env);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({
      ok: true,
      checks: [{ name: 'Not expired', status: 'skipped', message: 'No expiry date is set' }],
    });
    await h.tresor.secrets.create(h.admin, {
      type: 'api-key',
      name: 'old-key',
      fields: { key: canary, expiresOn: '2020-01-31' },
    });
    const old = await run(['secrets', 'test', 'old-key'], env);
    expect(old).toMatchObject({ code: 11, stderr: '' });
    expect(old.stdout).toMatch(
      /^old-key: 1 of 1 check failed \(\d+ ms\)\n {2}FAILED {2}Not expired: Expired on 2020-01-31\n$/,
    );
  });

  it('says where a secret is used, and deletes one that a configuration names only with --force', async () => {
    const env = { TRESOR_URL: url, TRESOR_TOKEN: token, TRESOR_DATA_DIR: '/nonexistent' };
    await h.tresor.secrets.create(h.admin, {
      type: 'jira',
      name: 'cli-jira',
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canary },
    });
    await h.tresor.secrets.create(h.admin, {
      type: 'jira-integration',
      name: 'cli-config',
      fields: { credential: 'cli-jira', project: 'OPS' },
    });
    await h.tresor.usage.useAny(h.admin, 'cli-jira', { module: 'jira-sync' });
    const usage = await run(['secrets', 'usage', 'cli-jira'], env);
    expect(usage.stdout).toMatch(
      /^used by jira-sync for .+: 1×, last \d{4}-\d\d-\d\dT.+\nnamed by cli-config \(credential\)\n$/,
    );
    const refused = await run(['secrets', 'delete', 'cli-jira', '--yes'], env);
    expect(refused).toMatchObject({
      code: 5,
      stderr:
        'tresor: Secret "cli-jira" is referenced by cli-config (credential); confirm (force) to delete it anyway\n',
    });
    expect((await run(['secrets', 'delete', 'cli-jira', '--yes', '--force'], env)).stdout).toBe('deleted cli-jira\n');
    expect((await run(['secrets', 'usage', 'cli-config', '--json'], env)).stdout).toBe(
      `${JSON.stringify({ modules: [], references: [], hiddenReferences: 0 }, null, 2)}\n`,
    );
  });

  it('shows and replaces who else is told before a secret expires', async () => {
    const env = { TRESOR_URL: url, TRESOR_TOKEN: token, TRESOR_DATA_DIR: '/nonexistent' };
    await h.tresor.secrets.create(h.admin, { type: 'api-key', name: 'cli-noticed', fields: { key: canary } });
    expect((await run(['secrets', 'notify', 'cli-noticed'], env)).stdout).toBe(
      'cli-noticed: expiry notices go to its owner only\n',
    );
    expect(
      (await run(['secrets', 'notify', 'cli-noticed', '--email', 'ops@example.test', 'Team@example.test'], env)).stdout,
    ).toBe('cli-noticed: expiry notices go to its owner and ops@example.test, team@example.test\n');
    const bad = await run(['secrets', 'notify', 'cli-noticed', '--email', 'not-an-address'], env);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain('e-mail');
    expect(JSON.parse((await run(['secrets', 'notify', 'cli-noticed', '--json'], env)).stdout)).toEqual([
      'ops@example.test',
      'team@example.test',
    ]);
    expect((await run(['secrets', 'notify', 'cli-noticed', '--none'], env)).stdout).toBe(
      'cli-noticed: expiry notices go to its owner only\n',
    );
  });

  it('logs in with e-mail and password, keeps the token in a 0600 file, and uses it', async () => {
    const user = await createUser(h.tresor, h.admin, 'cli-login', ['SECRET_MANAGEMENT_CREATE']);
    const configDir = mkdtempSync(join(tmpdir(), 'tresor-cli-config-'));
    const env = { TRESOR_CONFIG_DIR: configDir, TRESOR_DATA_DIR: '/nonexistent' };
    const login = await run(['login', '--url', url, '--email', user.email], env, 'correct horse battery staple\n');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^signed in to ${url.replace(/[.]/g, '\\.')} as ${user.email}`));
    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url, token: expect.stringMatching(/^tsr_/) });
    expect((await run(['secrets', 'create', 'mine', '--type', 'api-key', '-s', canary], env)).stdout).toBe(
      'created mine (api-key, v1)\n',
    );
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
    expect((await run(['logout'], env)).stdout).toBe(`signed out of ${url}\n`);
    // Logout revoked exactly the token it had stored.
    expect((await h.api('GET', '/api/v1/me', stored.token)).statusCode).toBe(401);
    // Signed out, the CLI says so: it never falls back to a local folder behind the user's back.
    const after = await run(['secrets', 'list'], env);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain(`You are signed out of ${url}`);
    expect((await run(['logout', '--local'], env)).stdout).toBe('signed out; the CLI works on the local database\n');
    const wrong = await run(['login', '--url', url, '--email', user.email], env, 'not the password\n');
    expect(wrong).toMatchObject({ code: 4, stderr: 'tresor: Wrong e-mail or password, or the account is disabled\n' });
  }, 180_000);
});

describe('tresor groups and tokens', () => {
  it('manages groups, members and permissions locally', async () => {
    const env = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-groups-')) };
    expect((await run(['users', 'create', 'ops@example.test'], env, 'a long enough password\n')).code).toBe(0);
    expect((await run(['groups', 'create', 'ops', '--description', 'operators'], env)).stdout).toBe(
      'created group ops\n',
    );
    expect((await run(['groups', 'add-member', 'ops', 'ops@example.test'], env)).stdout).toBe(
      'added ops@example.test to ops\n',
    );
    expect((await run(['groups', 'grant', 'SECRET_MANAGEMENT_CREATE', '--group', 'ops'], env)).stdout).toBe(
      'granted SECRET_MANAGEMENT_CREATE to ops\n',
    );
    expect((await run(['groups', 'members', 'ops'], env)).stdout).toBe('ops@example.test\n');
    expect((await run(['groups', 'grant', 'GOD_MODE', '--group', 'ops'], env)).code).toBe(6);
    const builtIn = await run(['groups', 'delete', 'system'], env);
    expect(builtIn.code, builtIn.stderr).toBe(5);
    expect(
      JSON.parse((await run(['groups', 'list', '--json'], env)).stdout).map((g: { name: string }) => g.name),
    ).toEqual(['ops', 'system']);
  }, 180_000);

  it('creates, lists and revokes API tokens in remote mode', async () => {
    const h = await testApp('pglite');
    try {
      const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
      const env = { TRESOR_URL: url, TRESOR_TOKEN: await h.tokenFor(h.admin), TRESOR_DATA_DIR: '/nonexistent' };
      const created = await run(['tokens', 'create', 'deploy', '--days', '7'], env);
      expect(created.stdout, created.stderr).toMatch(/^tsr_[0-9a-f]{32}_[A-Za-z0-9_-]{43}\n$/);
      const list = JSON.parse((await run(['tokens', 'list', '--json'], env)).stdout) as { id: string; name: string }[];
      const deploy = list.find((t) => t.name === 'deploy')!;
      expect((await run(['tokens', 'revoke', deploy.id], env)).stdout).toBe(`revoked ${deploy.id}\n`);
      expect((await run(['secrets', 'list'], { ...env, TRESOR_TOKEN: created.stdout.trim() })).code).toBe(4);
      expect((await run(['tokens', 'list'], { TRESOR_DATA_DIR: '/nonexistent' })).code).toBe(4);
    } finally {
      await h.close();
    }
  }, 180_000);
});
