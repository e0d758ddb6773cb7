import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jira } from '../../credential-types/jira.ts';
import { JiraIntegration } from '../fixtures/config-types/jira-integration.ts';
import { createAdmin, databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('secretRef fields on %s', (kind) => {
  let t: TestTresor;
  beforeAll(async () => {
    t = await testTresor(kind, { TRESOR_TYPES_DIR: resolve(import.meta.dirname, '../fixtures/config-types') });
    await t.tresor.secrets.create(t.admin, {
      type: 'jira',
      name: 'jira-main',
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: 'tok' },
    });
    await t.tresor.secrets.create(t.admin, { type: 'password', name: 'not-jira', fields: { password: 'p' } });
  });
  afterAll(() => t?.close());

  it('accepts a reference to a usable secret of the declared type, and resolves it through use()', async () => {
    await t.tresor.secrets.create(t.admin, {
      type: 'jira-integration',
      name: 'ops-jira',
      fields: { credential: 'jira-main', project: 'OPS' },
    });
    const { value: config } = await t.tresor.use(JiraIntegration, t.admin, 'ops-jira');
    const { value: jira } = await t.tresor.use(Jira, t.admin, config.credential);
    expect(jira.apiToken).toBe('tok');
    expect(t.tresor.registry.get('jira-integration').jsonSchema).toMatchObject({
      properties: { credential: { 'x-tresor-style': 'secretRef' } },
    });
  });

  it('refuses, naming the field, a reference that is unknown, of the wrong type, or not usable by the saver', async () => {
    const other = await createUser(t.tresor, t.admin, 'ref-saver', ['SECRET_MANAGEMENT_CREATE']);
    const cases: [string, { kind: 'user'; id: string }, string][] = [
      ['ghost', t.admin as { kind: 'user'; id: string }, 'Jira credential: no secret named "ghost" that you may use'],
      [
        'not-jira',
        t.admin as { kind: 'user'; id: string },
        'Jira credential: "not-jira" is a Password, not a Jira API token',
      ],
      ['jira-main', other, 'Jira credential: no secret named "jira-main" that you may use'],
    ];
    for (const [ref, who, message] of cases) {
      await expect(
        t.tresor.secrets.create(who, {
          type: 'jira-integration',
          name: `bad-${ref}-${who.id.slice(0, 4)}`,
          fields: { credential: ref, project: 'OPS' },
        }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'fields.credential',
        issues: [{ path: 'fields.credential', message }],
      });
    }
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'jira-integration',
      name: 'to-update',
      fields: { credential: 'jira-main', project: 'OPS' },
    });
    await expect(
      t.tresor.secrets.update(t.admin, s.id, { merge: true, fields: { credential: 'not-jira' } }),
    ).rejects.toMatchObject({ field: 'fields.credential' });
    expect((await t.tresor.secrets.get(t.admin, s.id)).version).toBe(1);
  });

  it('knows which configurations name a secret, and deletes a named one only when told to', async () => {
    const jira = (name: string) => ({
      type: 'jira',
      name,
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: 'tok' },
    });
    const target = await t.tresor.secrets.create(t.admin, jira('jira-referenced'));
    const spare = await t.tresor.secrets.create(t.admin, jira('jira-spare'));
    const config = await t.tresor.secrets.create(t.admin, {
      type: 'jira-integration',
      name: 'names-it',
      fields: { credential: 'JIRA-REFERENCED', project: 'OPS' },
    });
    expect((await t.tresor.stories.story(t.admin, target.id)).references).toEqual({
      visible: [{ secretId: config.id, secretName: 'names-it', field: 'credential' }],
      hidden: 0,
    });
    await expect(t.tresor.secrets.delete(t.admin, target.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      field: 'force',
      message: expect.stringContaining('is referenced by names-it (credential)'),
    });
    expect((await t.tresor.secrets.get(t.admin, target.id)).name).toBe('jira-referenced');

    // Pointed elsewhere, the reference moves with the new version; a rollback brings it back.
    await t.tresor.secrets.update(t.admin, config.id, { merge: true, fields: { credential: 'jira-spare' } });
    expect((await t.tresor.stories.story(t.admin, target.id)).references.visible).toEqual([]);
    expect((await t.tresor.stories.story(t.admin, spare.id)).references.visible).toHaveLength(1);
    await t.tresor.secrets.rollback(t.admin, config.id, 1);
    expect((await t.tresor.stories.story(t.admin, target.id)).references.visible).toHaveLength(1);

    await t.tresor.secrets.delete(t.admin, target.id, { force: true });
    await expect(t.tresor.secrets.get(t.admin, target.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // An owner who may delete their secret but not read the configuration naming it learns only that one exists.
    const owner = await createUser(t.tresor, t.admin, 'ref-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
      'SECRET_MANAGEMENT_DELETE',
    ]);
    const owned = await t.tresor.secrets.create(owner, jira('jira-owned'));
    const colleague = await createAdmin(t.tresor, `ref-colleague-${kind}@example.test`);
    await t.tresor.shares.share(owner, owned.id, { user: `ref-colleague-${kind}@example.test` });
    const adminsConfig = await t.tresor.secrets.create(colleague, {
      type: 'jira-integration',
      name: 'admins-config',
      fields: { credential: 'jira-owned', project: 'OPS' },
    });
    await expect(t.tresor.secrets.delete(owner, owned.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('is referenced by 1 secret you cannot see'),
    });
    expect((await t.tresor.stories.story(owner, owned.id)).references).toEqual({ visible: [], hidden: 1 });
    await t.tresor.secrets.delete(owner, owned.id, { force: true });
    await t.tresor.secrets.delete(colleague, adminsConfig.id);
    // The configuration's own references go with it.
    await t.tresor.secrets.delete(t.admin, config.id);
    expect((await t.tresor.stories.story(t.admin, spare.id)).references.visible).toEqual([]);
  });
});
