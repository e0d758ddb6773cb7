/**
 * "Where is it used?" over the REST API: `GET /secrets/:id/usage` names the modules that
 * used a secret and the stored configurations that name it, and `DELETE` refuses a named
 * secret (409, naming them) unless `?force=true`.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jira } from '../../credential-types/jira.ts';
import { UiClient } from '../support/browser-session.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('REST API: where a secret is used, on %s', (kind) => {
  let h: TestApp;
  let token: string;
  const canary = `CANARY-usage-${kind}`;
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_TYPES_DIR: resolve(import.meta.dirname, '../fixtures/config-types') });
    token = await h.tokenFor(h.admin);
  });
  afterAll(async () => {
    expect(findCanaries(h.seen.join('\n'), [canary])).toEqual([]);
    await h?.close();
  });

  it('lists the modules that used it and the configurations naming it; deleting needs force', async () => {
    const jira = await h.tresor.secrets.create(h.admin, {
      type: 'jira',
      name: 'usage-jira',
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canary },
    });
    const config = await h.tresor.secrets.create(h.admin, {
      type: 'jira-integration',
      name: 'usage-config',
      fields: { credential: 'usage-jira', project: 'OPS' },
    });
    await h.tresor.use(Jira, h.admin, 'usage-jira', { module: 'jira-sync' });
    await h.tresor.use(Jira, h.admin, 'usage-jira', { module: 'jira-sync' });

    const usage = await h.api('GET', `/api/v1/secrets/${jira.id}/usage`, token);
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toMatchObject({
      modules: [{ module: 'jira-sync', uses: 2, lastAt: expect.any(String) }],
      references: [{ secretId: config.id, secretName: 'usage-config', field: 'credential' }],
      hiddenReferences: 0,
    });

    const refused = await h.api('DELETE', `/api/v1/secrets/${jira.id}`, token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      field: 'force',
      message: 'Secret "usage-jira" is referenced by usage-config (credential); confirm (force) to delete it anyway',
    });
    expect((await h.api('GET', `/api/v1/secrets/${jira.id}`, token)).statusCode).toBe(200);
    const badFlag = await h.api('DELETE', `/api/v1/secrets/${jira.id}?force=nope`, token);
    expect([badFlag.statusCode, badFlag.json().error.field]).toEqual([422, 'querystring force']);
    expect((await h.api('DELETE', `/api/v1/secrets/${jira.id}?force=true`, token)).statusCode).toBe(204);
    expect((await h.api('GET', `/api/v1/secrets/${jira.id}/usage`, token)).statusCode).toBe(404);
  });

  it('matches a reference by space: payments/x names the payments secret, a bare x the default one', async () => {
    await h.tresor.spaces.create(h.admin, { name: 'payments' });
    await h.tresor.spaces.setRole(
      h.admin,
      'payments',
      { user: (await h.tresor.users.whoami(h.admin)).user.email },
      'admin',
    );
    const jira = { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canary };
    const inPayments = await h.tresor.secrets.create(h.admin, {
      type: 'jira',
      name: 'spaced-jira',
      space: 'payments',
      fields: jira,
    });
    const inDefault = await h.tresor.secrets.create(h.admin, { type: 'jira', name: 'spaced-jira', fields: jira });
    const config = await h.tresor.secrets.create(h.admin, {
      type: 'jira-integration',
      name: 'spaced-config',
      fields: { credential: 'payments/spaced-jira', project: 'PAY' },
    });
    const usage = (id: string) =>
      h.api('GET', `/api/v1/secrets/${id}/usage`, token).then((r) => r.json() as { references: unknown[] });
    expect((await usage(inPayments.id)).references).toEqual([
      { secretId: config.id, secretName: 'spaced-config', field: 'credential' },
    ]);
    expect((await usage(inDefault.id)).references).toEqual([]);
    // The named one is kept (409), the same name in another space is not held by it.
    expect((await h.api('DELETE', `/api/v1/secrets/${inPayments.id}`, token)).statusCode).toBe(409);
    expect((await h.api('DELETE', `/api/v1/secrets/${inDefault.id}`, token)).statusCode).toBe(204);
    // A bare name is the default space's: it does not hold the payments secret of that name.
    await h.tresor.secrets.create(h.admin, { type: 'jira', name: 'spaced-jira', fields: jira });
    await h.tresor.secrets.update(h.admin, config.id, { fields: { credential: 'spaced-jira' }, merge: true });
    expect((await h.api('DELETE', `/api/v1/secrets/${inPayments.id}`, token)).statusCode).toBe(204);
  });

  it('keeps a space whose secrets configurations elsewhere name, unless forced', async () => {
    await h.tresor.spaces.create(h.admin, { name: 'named-team' });
    const me = (await h.tresor.users.whoami(h.admin)).user.email;
    await h.tresor.spaces.setRole(h.admin, 'named-team', { user: me }, 'admin');
    const jira = { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canary };
    await h.tresor.secrets.create(h.admin, { type: 'jira', name: 'team-jira', space: 'named-team', fields: jira });
    await h.tresor.secrets.create(h.admin, {
      type: 'jira-integration',
      name: 'outside-config',
      fields: { credential: 'named-team/team-jira', project: 'OPS' },
    });
    const refused = await h.api('DELETE', '/api/v1/spaces/named-team', token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ field: 'force' });
    expect((await h.api('GET', '/api/v1/spaces/named-team', token)).statusCode).toBe(200);
    const forced = await h.api('DELETE', '/api/v1/spaces/named-team?force=true', token);
    expect([forced.statusCode, forced.json()]).toEqual([200, { secrets: 1 }]);
    expect((await h.api('GET', '/api/v1/secrets/outside-config', token)).statusCode).toBe(200);
  });

  it('answers for an unused, unnamed secret with empty lists', async () => {
    const lone = await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'lone',
      fields: { password: canary },
    });
    expect((await h.api('GET', `/api/v1/secrets/${lone.id}/usage`, token)).json()).toEqual({
      modules: [],
      references: [],
      hiddenReferences: 0,
    });
    expect((await h.api('DELETE', `/api/v1/secrets/${lone.id}`, token)).statusCode).toBe(204);
  });

  it('tells a share recipient its own uses only, never who else holds it, and audits every usage read', async () => {
    const owner = await createUser(h.tresor, h.admin, 'usage-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
    const recipient = await createUser(h.tresor, h.admin, 'usage-recipient');
    const other = await createUser(h.tresor, h.admin, 'usage-other');
    const s = await h.tresor.secrets.create(owner, { type: 'password', name: 'held', fields: { password: canary } });
    await h.tresor.shares.share(owner, s.id, { user: recipient.email });
    await h.tresor.shares.share(owner, s.id, { user: other.email });
    await h.tresor.usage.useAny(other, s.id, { module: 'other-module' });
    await h.tresor.usage.useAny(recipient, s.id, { module: 'own-module' });
    const recipientToken = await h.tokenFor(recipient);

    const seen = await h.api('GET', `/api/v1/secrets/${s.id}/usage`, recipientToken);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().modules.map((m: { module: string }) => m.module)).toEqual(['own-module']);
    expect(seen.body).not.toContain('usage-other');
    // The share list is the owner's and SECRET_MANAGEMENT's: a recipient is refused it.
    expect((await h.api('GET', `/api/v1/secrets/${s.id}/shares`, recipientToken)).statusCode).toBe(403);
    const ownerView = await h.api('GET', `/api/v1/secrets/${s.id}/usage`, await h.tokenFor(owner));
    expect(ownerView.json().modules).toHaveLength(2);

    const reads = await h.tresor.audit.query(h.admin, { targetId: s.id, action: 'secret.read', limit: 10 });
    expect(reads.filter((r) => (r.details as { view: string }).view === 'usage')).toHaveLength(2);
  });

  it('names a use made for a group by the group, in the usage and on the audit page (not "Tresor itself")', async () => {
    const group = await h.tresor.groups.create(h.admin, { name: `deployers-${kind}` });
    const jira = await h.tresor.secrets.create(h.admin, {
      type: 'jira',
      name: `usage-group-${kind}`,
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canary },
    });
    await h.tresor.shares.share(h.admin, jira.id, { group: group.name });
    await h.tresor.use(Jira, { kind: 'group', id: group.id }, jira.id, { module: 'deployer' });
    const usage = await h.api('GET', `/api/v1/secrets/${jira.id}/usage`, token);
    expect(usage.json().modules).toEqual([
      expect.objectContaining({ module: 'deployer', usedFor: `group deployers-${kind}`, uses: 1 }),
    ]);
    const browser = new UiClient(h.app);
    const adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
    await browser.login(adminEmail, 'correct horse battery staple');
    const page = await browser.get(`/admin/audit?secret=${encodeURIComponent(jira.name)}`);
    expect(page.body).toContain(`group deployers-${kind}`);
    expect(page.body).not.toContain(`group:${group.id}`);
    // The secret's page: "Last used" agrees with "Used by" at once (not a cache period later).
    await browser.get(`/secrets/${jira.id}`);
    await h.tresor.use(Jira, { kind: 'group', id: group.id }, jira.id, { module: 'deployer' });
    const view = await browser.get(`/secrets/${jira.id}`);
    const lastUsed = /<dt>Last used<\/dt><dd>(.*?)<\/dd>/.exec(view.body)?.[1] ?? '';
    expect(lastUsed).toMatch(/<time datetime="/);
    const newest = /<tr><td data-label="Module">deployer<\/td>.*?<time datetime="([^"]+)"/.exec(view.body)?.[1];
    expect(lastUsed).toContain(`datetime="${newest}"`);
  });
});
