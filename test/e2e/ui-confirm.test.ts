/**
 * Actions that cannot simply be undone ask first, and actions say what they did (issue "A web
 * UI people would choose", defect 7), in real Chromium: rollback, token revoke, removing a
 * share and deleting a group each show a confirmation page and change nothing until it is
 * confirmed (a crafted post without the confirmation changes nothing either); adding a user,
 * a group, a member or a permission confirms with a message; a form's error says the problem,
 * not an API's summary of it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, browserApp, testPassword as password } from '../support/browser-app.ts';
import { UiClient } from '../support/browser-session.ts';
import { chromiumPath } from '../support/chromium.ts';
import type { TestApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const canary = 'CANARY-ui-confirm-password';

describe.skipIf(!chromiumPath)('confirmations and confirmations of success (Chromium)', () => {
  let b: BrowserApp;
  let h: TestApp;
  let base: string;
  let page: Page;
  let adminEmail: string;
  const html: string[] = [];

  beforeAll(async () => {
    b = await browserApp();
    ({ h, base, adminEmail } = b);
    page = await b.signIn();
  }, 60_000);
  afterAll(async () => {
    expect(findCanaries(html.join('\n'), [canary])).toEqual([]);
    await b?.close();
  });

  /** Clicks and waits for the page the click leads to; keeps its HTML for the canary scan. */
  async function click(selector: string): Promise<void> {
    await Promise.all([page.waitForLoadState('load'), page.waitForEvent('framenavigated'), page.click(selector)]);
    html.push(await page.content());
  }
  const heading = () => page.textContent('main h1');
  const flash = () => page.textContent('[role=status]');

  it('asks before a rollback, rolls back only once confirmed, and says so', async () => {
    const secret = await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'confirm-rollback',
      fields: { password: canary },
    });
    await h.tresor.secrets.update(h.admin, secret.id, { fields: { password: `${canary}-2` } });
    await page.goto(`${base}/secrets/${secret.id}/versions`);
    await click('button:has-text("Roll back to v1")');
    expect(await heading()).toBe('Roll back confirm-rollback?');
    expect(await page.textContent('main')).toContain('A new version 3 will hold the values of version 1');
    expect((await h.tresor.secrets.get(h.admin, secret.id)).version).toBe(2);
    await click('main button:has-text("Roll back to version 1")');
    expect(await flash()).toContain('Rolled back');
    expect((await h.tresor.secrets.get(h.admin, secret.id)).version).toBe(3);
  });

  it('asks before revoking a token, and Cancel leaves it alive', async () => {
    const { info } = await h.tresor.sessions.createToken(h.admin, { name: 'confirm-token' });
    await page.goto(`${base}/tokens`);
    await click(`form[action="/tokens/${info.id}/revoke"] button`);
    expect(await heading()).toBe('Revoke confirm-token?');
    await click('main a:has-text("Cancel")');
    expect(page.url()).toBe(`${base}/tokens`);
    const live = async () => (await h.tresor.sessions.tokens(h.admin)).find((t) => t.id === info.id)?.revokedAt;
    expect(await live()).toBeNull();
    await click(`form[action="/tokens/${info.id}/revoke"] button`);
    await click('main button:has-text("Revoke token")');
    expect(await flash()).toContain('Token revoked.');
    expect(await live()).not.toBeNull();
  });

  it('asks before disabling a user, and Cancel leaves them signed in; taking a permission asks too', async () => {
    const leaver = await createUser(h.tresor, h.admin, 'confirm-leaver', ['SECRET_MANAGEMENT_CREATE']);
    await page.goto(`${base}/admin/users`);
    await click(`form[action="/admin/users/${leaver.id}/disable"] button`);
    expect(await heading()).toBe(`Disable ${leaver.email}?`);
    expect(await page.textContent('main')).toContain('every API token of theirs stops working');
    const disabled = async () => (await h.tresor.users.get(h.admin, leaver.id)).disabled;
    await click('main a:has-text("Cancel")');
    expect(page.url()).toBe(`${base}/admin/users`);
    expect(await disabled()).toBe(false);
    await click(`form[action="/admin/users/${leaver.id}/disable"] button`);
    await click('main button:has-text("Disable")');
    expect(await flash()).toContain('User disabled');
    expect(await disabled()).toBe(true);

    await page.goto(`${base}/admin/users`);
    // Permissions in words, the code a tooltip away.
    const badge = page.locator(
      `form[action="/admin/users/${leaver.id}/permissions/SECRET_MANAGEMENT_CREATE/revoke"] .badge`,
    );
    expect(await badge.textContent()).toBe('Create secrets');
    expect(await badge.getAttribute('title')).toBe('Create secrets, which they then own (SECRET_MANAGEMENT_CREATE)');
    await click(`form[action="/admin/users/${leaver.id}/permissions/SECRET_MANAGEMENT_CREATE/revoke"] button`);
    expect(await heading()).toBe(`Take “Create secrets (SECRET_MANAGEMENT_CREATE)” from ${leaver.email}?`);
    expect(await page.textContent('main')).toContain('can no longer create secrets, which they then own');
    expect(await h.tresor.groups.grants(h.admin, { userId: leaver.id })).toContain('SECRET_MANAGEMENT_CREATE');
    await click('main button:has-text("Take the permission")');
    expect(await flash()).toContain('Permission revoked');
    expect(await h.tresor.groups.grants(h.admin, { userId: leaver.id })).not.toContain('SECRET_MANAGEMENT_CREATE');
  });

  it('asks before removing a share, naming the recipient', async () => {
    const friend = await createUser(h.tresor, h.admin, 'confirm-friend');
    const secret = await h.tresor.secrets.create(h.admin, {
      type: 'password',
      name: 'confirm-share',
      fields: { password: canary },
    });
    await h.tresor.shares.share(h.admin, secret.id, { user: friend.email });
    await page.goto(`${base}/secrets/${secret.id}/shares`);
    await click('main table button:has-text("Remove")');
    expect(await heading()).toBe('Remove this share?');
    expect(await page.textContent('main')).toContain(
      `User ${friend.email} will no longer be able to use confirm-share`,
    );
    expect(await h.tresor.shares.shares(h.admin, secret.id)).toHaveLength(1);
    await click('main button:has-text("Remove share")');
    expect(await flash()).toContain('Share removed.');
    expect(await h.tresor.shares.shares(h.admin, secret.id)).toHaveLength(0);
  });

  it('confirms adding a group and a member, asks before deleting the group, and words errors for people', async () => {
    await page.goto(`${base}/admin/groups`);
    await page.fill('#name', 'confirm-team');
    await click('main form.card button:has-text("Add group")');
    expect(await flash()).toContain('Group created.');

    await page.goto(`${base}/admin/groups/confirm-team`);
    await page.fill('#member', 'nobody@example.test');
    await click('main form[action$="/members"] button');
    const main = await page.textContent('main');
    expect(main).toContain('No user nobody@example.test');
    expect(main).not.toContain('Invalid input');
    const member = await createUser(h.tresor, h.admin, 'confirm-member');
    await page.fill('#member', member.email);
    await click('main form[action$="/members"] button');
    expect(await flash()).toContain('Member added.');

    await page.goto(`${base}/admin/groups`);
    await click('form[action="/admin/groups/confirm-team/delete"] button');
    expect(await heading()).toBe('Delete group confirm-team?');
    expect((await h.tresor.groups.list(h.admin)).map((g) => g.name)).toContain('confirm-team');
    await click('main button:has-text("Delete group")');
    expect(await flash()).toContain('Group deleted.');
    expect((await h.tresor.groups.list(h.admin)).map((g) => g.name)).not.toContain('confirm-team');
  });

  it('confirms inviting a user (no password field: the invitee chooses it)', async () => {
    await page.goto(`${base}/admin/users`);
    expect(await page.locator('main form.card #password').count()).toBe(0);
    await page.fill('#email', 'confirm-new@example.test');
    await click('main form.card button:has-text("Invite")');
    // No mail relay in this suite: the account stands and the page says the mail did not go out.
    expect(await flash()).toContain('could not be mailed');
    expect(await h.tresor.users.findByEmail('confirm-new@example.test')).toBeDefined();
  });

  it('changes nothing for a post that skips the confirmation', async () => {
    await h.tresor.groups.create(h.admin, { name: 'confirm-crafted' });
    const ui = new UiClient(h.app);
    await ui.login(adminEmail, password);
    const posted = await ui.post('/admin/groups/confirm-crafted/delete', {}, { from: '/admin/groups' });
    expect(posted.statusCode).toBe(200);
    expect(posted.body).toContain('Delete group confirm-crafted?');
    expect((await h.tresor.groups.list(h.admin)).map((g) => g.name)).toContain('confirm-crafted');
    const confirmed = await ui.post(
      '/admin/groups/confirm-crafted/delete',
      { confirm: 'yes' },
      { from: '/admin/groups' },
    );
    expect(confirmed.statusCode).toBe(302);
    expect((await h.tresor.groups.list(h.admin)).map((g) => g.name)).not.toContain('confirm-crafted');
  });
});
