/**
 * The provider contract (issue "The life of a secret", part 6), run against every provider:
 * the environment and a folder of mounted files. A provided secret is typed by its declared
 * type (the mail module sends through one to a real SMTP server), usable by whom the provider
 * names (the gate's rule for use), audited on use with its provider, read-only (no update,
 * not in a listing), its name reserved against stored secrets, and a misconfigured one
 * is reported naming the variable or file, never a value.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jira } from '../../credential-types/jira.ts';
import { Password } from '../../credential-types/password.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { mailModule } from '../../src/modules/mail/mail.module.ts';
import type { SecretProvider } from '../../src/providers/provider.ts';
import { createTresor } from '../../src/tresor.ts';
import { freshDatabase, type TestTresor, testConfig, testTresor } from '../support/databases.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

interface Declared {
  name: string;
  type: string;
  fields: Record<string, string>;
  users?: string[];
  groups?: string[];
}

const snake = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

interface Contract {
  provider: string;
  /** The settings (and files) that make the provider hold these secrets. */
  configure(secrets: Declared[]): Record<string, string>;
  /** Changes a field's value where the provider reads it, if it reads again (files do). */
  rotate?(name: string, key: string, value: string): void;
}

let folder = '';
const contracts: Contract[] = [
  {
    provider: 'env',
    configure(secrets) {
      const env: Record<string, string> = { TRESOR_PROVIDER_ENV: 'VAULT_' };
      for (const s of secrets) {
        const base = `VAULT_${s.name.toUpperCase().replaceAll('-', '_')}__`;
        env[`${base}TYPE`] = s.type;
        for (const [k, v] of Object.entries(s.fields)) env[`${base}${snake(k)}`] = v;
        if (s.users) env[`${base}USERS`] = s.users.join(',');
        if (s.groups) env[`${base}GROUPS`] = s.groups.join(',');
      }
      return env;
    },
  },
  {
    provider: 'files',
    configure(secrets) {
      folder = mkdtempSync(join(tmpdir(), 'tresor-provided-'));
      // What Kubernetes leaves beside the mounted keys: skipped.
      mkdirSync(join(folder, '..data'));
      for (const s of secrets) {
        const dir = join(folder, s.name);
        mkdirSync(dir);
        writeFileSync(join(dir, 'type'), `${s.type}\n`);
        for (const [k, v] of Object.entries(s.fields)) writeFileSync(join(dir, k), `${v}\n`);
        if (s.users) writeFileSync(join(dir, 'users'), s.users.join(','));
        if (s.groups) writeFileSync(join(dir, 'groups'), s.groups.join(','));
      }
      return { TRESOR_PROVIDER_FILES: folder };
    },
    rotate(name, key, value) {
      writeFileSync(join(folder, name, key), value);
    },
  },
];

describe.each(contracts)('the $provider provider', (contract) => {
  let t: TestTresor;
  let smtp: TestSmtpServer;
  let bot: { kind: 'user'; id: string; email: string };
  let member: { kind: 'user'; id: string; email: string };
  let stranger: { kind: 'user'; id: string; email: string };
  const canaries = ['CANARY-provided-relay', 'CANARY-provided-jira', 'CANARY-provided-broken'];

  beforeAll(async () => {
    smtp = await startSmtpServer('none', { username: 'relay', password: canaries[0]! });
    const botEmail = `bot-${contract.provider}@example.test`;
    const env = contract.configure([
      {
        name: 'mail-relay',
        type: 'smtp',
        fields: {
          host: '127.0.0.1',
          port: String(smtp.port),
          security: 'none',
          username: 'relay',
          password: canaries[0]!,
          from: 'tresor@example.test',
        },
      },
      {
        name: 'jira-bot',
        type: 'jira',
        fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canaries[1]! },
        users: [botEmail],
        groups: ['ops'],
      },
      { name: 'shadowed', type: 'password', fields: { password: 'from-the-provider' } },
      { name: 'broken', type: 'smtp', fields: { host: 'h', pasword: canaries[2]! } },
    ]);
    t = await testTresor('pglite', env);
    await t.tresor.groups.create(t.admin, { name: 'ops' });
    bot = await t.tresor.users
      .create(systemPrincipal, { email: botEmail, password: 'correct horse battery staple' })
      .then((u) => ({ kind: 'user' as const, id: u.id, email: u.email }));
    member = await createUser(t.tresor, t.admin, 'ops-member', [], ['ops']);
    stranger = await createUser(t.tresor, t.admin, 'provided-stranger');
  });
  afterAll(async () => {
    await smtp?.close();
    await t?.close();
  });

  it('types a provided secret: the mail module sends through it to a real SMTP server, as system', async () => {
    const sent = await mailModule(t.tresor.moduleContext).send(
      { to: 'ops@example.test', subject: 'provided', text: 'through a provided relay' },
      { secret: 'mail-relay' },
    );
    expect(sent.accepted).toEqual(['ops@example.test']);
    expect(smtp.received.at(-1)).toMatchObject({ subject: 'provided', username: 'relay', password: canaries[0] });
    const used = await t.tresor.audit.query(t.admin, { action: 'secret.used', targetName: 'mail-relay' });
    expect(used[0]).toMatchObject({
      module: 'mail',
      targetId: `${contract.provider}:mail-relay`,
      details: { type: 'smtp', version: 0, provider: contract.provider },
    });
  });

  it('is usable by the users and groups the provider names, and by nobody else', async () => {
    const { value, metadata } = await t.tresor.use(Jira, bot, 'jira-bot', { module: 'sync' });
    expect(value.apiToken).toBe(canaries[1]);
    expect(metadata).toMatchObject({ name: 'jira-bot', version: 0, description: expect.stringContaining('from ') });
    expect((await t.tresor.use(Jira, member, 'JIRA-BOT')).value.siteUrl).toBe('https://x.atlassian.net');
    for (const who of [stranger, t.admin])
      await expect(t.tresor.use(Jira, who, 'jira-bot')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.tresor.use(Password, bot, 'jira-bot')).rejects.toMatchObject({ code: 'WRONG_TYPE' });
  });

  it('is read-only and out of every listing; its name is reserved, and it wins over a stored one made before', async () => {
    await expect(t.tresor.secrets.update(t.admin, 'jira-bot', { description: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(t.tresor.shares.share(t.admin, 'jira-bot', { user: stranger.email })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await t.tresor.secrets.list(t.admin, { all: true, limit: 500 })).map((s) => s.name)).not.toContain(
      'jira-bot',
    );
    // Provided secrets can be hijacked: a stored secret of a provided name would be what its users reach.
    for (const name of ['shadowed', 'JIRA-BOT'])
      await expect(
        t.tresor.secrets.create(t.admin, { type: 'password', name, fields: { password: 'stored' } }),
      ).rejects.toMatchObject({ code: 'CONFLICT', field: 'name' });
    // A stored secret that had the name before the provider did (made by a Tresor without it): the
    // provided one is used, and the collision is reported at start.
    const without = await createTresor(
      { ...t.tresor.config, providerEnv: undefined, providerFiles: undefined },
      { database: t.database.handle, logger: createLogger('silent') },
    );
    await without.secrets.create(t.admin, { type: 'password', name: 'shadowed', fields: { password: 'stored' } });
    await without.close();
    expect((await t.tresor.use(Password, t.admin, 'shadowed')).value.password).toBe('from-the-provider');
    const warnings: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void warnings.push(line) });
    const again = await createTresor(t.tresor.config, { database: t.database.handle, logger });
    await again.close();
    expect(warnings.join('\n')).toMatch(/stored secret \\"shadowed\\" has the name of a provided secret/);
  });

  it('reports a misconfigured secret naming where to fix it, never its values', async () => {
    const views = await t.tresor.provided.list();
    expect(views.map((v) => [v.provider, v.name, v.type]).sort()).toEqual(
      [
        [contract.provider, 'broken', 'smtp'],
        [contract.provider, 'jira-bot', 'jira'],
        [contract.provider, 'mail-relay', 'smtp'],
        [contract.provider, 'shadowed', 'password'],
      ].sort(),
    );
    const broken = views.find((v) => v.name === 'broken')!;
    expect(broken.problem).toContain('is not a field of SMTP');
    expect(broken.problem).toContain(contract.provider === 'env' ? 'PASWORD' : 'pasword');
    await expect(
      t.tresor.usage.useAny(await t.tresor.moduleContext.groupPrincipal('system'), 'broken'),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(findCanaries(JSON.stringify(views), canaries)).toEqual([]);
    expect((await t.tresor.provided.visibleTo(bot)).map((v) => v.name)).toEqual(['jira-bot']);
  });

  // Only a provider that reads again can rotate in place; the environment is read once, at start.
  if (contract.rotate)
    it('reads a rotated value at the next use (a mount updated in place)', async () => {
      contract.rotate!('jira-bot', 'apiToken', 'rotated-token');
      expect((await t.tresor.use(Jira, bot, 'jira-bot')).value.apiToken).toBe('rotated-token');
    });
});

describe('a provider of your own', () => {
  it("is two members, handed to createTresor, and its secrets are used like the built-in providers'", async () => {
    const database = await freshDatabase('pglite');
    let loads = 0;
    const vaultLike: SecretProvider = {
      id: 'vault-like',
      async load() {
        loads++;
        return [
          {
            provider: 'vault-like',
            name: 'remote-key',
            source: 'kv/remote-key',
            type: 'api-key',
            fields: { key: 'from-elsewhere' },
            users: [],
            groups: [],
          },
        ];
      },
    };
    const tresor = await createTresor(testConfig(), {
      database: database.handle,
      logger: createLogger('silent'),
      providers: [vaultLike],
    });
    try {
      const system = await tresor.moduleContext.groupPrincipal('system');
      expect((await tresor.usage.useAny(system, 'remote-key', { module: 'billing' })).payload.key).toBe(
        'from-elsewhere',
      );
      expect(loads).toBeGreaterThan(0);
      expect((await tresor.provided.list()).map((v) => [v.provider, v.name, v.source])).toEqual([
        ['vault-like', 'remote-key', 'kv/remote-key'],
      ]);
    } finally {
      await tresor.close();
      await database.drop();
    }
  });
});
