/**
 * A secret's page tells its story (issue "A web UI people would choose"), in real Chromium:
 * who changed what and when (field names, never values), which modules used it, for whom,
 * when last and how often, and — for whoever may share it — who it is shared with. A share
 * recipient sees the story without the shares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { type BrowserApp, browserApp } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createGroup, createUser } from '../support/principals.ts';

const canaries = ['CANARY-story-password-1', 'CANARY-story-password-2'];

describe.skipIf(!chromiumPath)("a secret's story (Chromium)", () => {
  let b: BrowserApp;
  let id: string;
  let owner: { kind: 'user'; id: string; email: string };
  let reader: { kind: 'user'; id: string; email: string };
  let group: { id: string; name: string };

  beforeAll(async () => {
    b = await browserApp();
    const { h } = b;
    owner = await createUser(h.tresor, h.admin, 'story-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
    reader = await createUser(h.tresor, h.admin, 'story-reader');
    group = await createGroup(h.tresor, h.admin, 'story-deployers');
    const created = await h.tresor.secrets.create(owner, {
      type: 'password',
      name: 'story-db',
      fields: { username: 'app', password: canaries[0] },
    });
    id = created.id;
    await h.tresor.secrets.update(owner, id, { fields: { username: 'svc', password: canaries[1] }, reason: 'rotated' });
    await h.tresor.shares.share(owner, id, { user: reader.email });
    await h.tresor.shares.share(owner, id, { group: group.name });
    // Two uses by the owner's own script, three by the deploy module for the owner.
    await h.tresor.use(Password, owner, id);
    await h.tresor.use(Password, owner, id);
    for (let i = 0; i < 3; i++) await h.tresor.use(Password, owner, id, { module: 'deploy' });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  it('shows the owner what happened, which modules used it, and who has it', async () => {
    const page = await b.signIn(owner.email);
    await page.goto(`${b.base}/secrets/${id}`);
    const history = await page.locator('ol.story li').allTextContents();
    expect(history.some((t) => /secret\.updated by story-owner: Changed fields: username, password/.test(t))).toBe(
      true,
    );
    expect(history.some((t) => t.includes('secret.created by story-owner'))).toBe(true);
    expect(history.some((t) => t.includes(`secret.shared by story-owner: With ${reader.email}`))).toBe(true);
    expect(history.some((t) => t.includes(`With group ${group.name}`))).toBe(true);

    const uses = await page
      .locator('table.uses tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(uses).toHaveLength(2);
    const deploy = uses.find((u) => u[0] === 'deploy')!;
    expect(deploy[1]).toContain(owner.email);
    expect(deploy[3]).toBe('3');
    expect(uses.find((u) => u[0] === '—')![3]).toBe('2');

    const shared = await page.locator('ul.shared li').allTextContents();
    expect(shared.sort()).toEqual([`group ${group.name}`, reader.email].sort());
    expect(findCanaries(await page.content(), canaries)).toEqual([]);
  });

  it('shows a share recipient the story but not who else has it', async () => {
    const page = await b.signIn(reader.email);
    await page.goto(`${b.base}/secrets/${id}`);
    const history = await page.locator('ol.story li').allTextContents();
    expect(history.some((t) => t.includes('Changed fields: username, password'))).toBe(true);
    expect(history.some((t) => t.includes('secret.shared'))).toBe(false);
    expect(await page.locator('ul.shared').count()).toBe(0);
    expect(await page.textContent('main')).not.toContain(group.name);
    expect(findCanaries(await page.content(), canaries)).toEqual([]);
  });
});
