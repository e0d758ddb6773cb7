/**
 * The whole UI as each kind of user meets it (issue "A web UI people would choose", done
 * when): an administrator, a user who may create secrets, a share recipient, a group member
 * and a user with no permission, at 1280 px and at 390 px, in real Chromium. On every page:
 * the answer the gate allows (a page, or 403/404 without a form), the navigation and actions
 * the role may use and no others, axe-core with no serious or critical violation, no secret
 * value anywhere in the HTML, and a screenshot in test-output/screenshots/journey-*.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe.ts';
import { type BrowserApp, browserApp, testPassword } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { chainOf } from '../support/pki.ts';
import { createGroup, createUser } from '../support/principals.ts';

const shots = resolve(import.meta.dirname, '../../test-output/screenshots');
const canaries = ['CANARY-journey-smtp', 'CANARY-journey-own', 'CANARY-journey-shared', 'CANARY-journey-group'];

/** A page of the journey: where, the status the gate gives this role, and what must (not) be on it. */
interface Stop {
  name: string;
  path: string;
  status: number;
  shows?: string[];
  hides?: string[];
}

interface Role {
  label: string;
  email: string;
  /** The main navigation's links, in order. */
  nav: string[];
  stops: Stop[];
}

describe.skipIf(!chromiumPath)('the UI for every role at 1280 and 390 px (Chromium, axe-core, canaries)', () => {
  let b: BrowserApp;
  const roles: Role[] = [];
  const html: string[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    b = await browserApp();
    const { h } = b;
    const admin = h.admin;
    const creator = await createUser(h.tresor, admin, 'journey-creator', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
      'SECRET_MANAGEMENT_DELETE',
    ]);
    const recipient = await createUser(h.tresor, admin, 'journey-recipient');
    const member = await createUser(h.tresor, admin, 'journey-member');
    const nobody = await createUser(h.tresor, admin, 'journey-nobody');
    const team = await createGroup(h.tresor, admin, 'journey-team');
    await h.tresor.groups.addMember(admin, team.name, member.id);

    const relay = await h.tresor.secrets.create(admin, {
      type: 'smtp',
      name: 'journey-relay',
      description: 'the outgoing relay',
      fields: { host: 'smtp.example.test', username: 'mailer', password: canaries[0]! },
    });
    await h.tresor.secrets.update(admin, relay.id, { merge: true, fields: { username: 'mailer2' }, reason: 'rename' });
    const { leaf } = await chainOf('ecdsa');
    const certificate = await h.tresor.secrets.create(admin, {
      type: 'certificate',
      name: 'journey-certificate',
      fields: { chain: leaf.certPem, privateKey: leaf.keyPem },
    });
    const own = await h.tresor.secrets.create(creator, {
      type: 'password',
      name: 'journey-own',
      fields: { username: 'app', password: canaries[1]! },
    });
    const shared = await h.tresor.secrets.create(admin, {
      type: 'jira',
      name: 'journey-shared',
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: canaries[2]! },
    });
    await h.tresor.shares.share(admin, shared.id, { user: recipient.email });
    const teamKey = await h.tresor.secrets.create(admin, {
      type: 'api-key',
      name: 'journey-team-key',
      fields: { key: canaries[3]! },
    });
    await h.tresor.shares.share(admin, teamKey.id, { group: team.name });

    const signedIn = ['My store', 'API tokens', 'Account'];
    const own404 = { name: 'others-secret', path: `/secrets/${relay.id}`, status: 404 };
    roles.push(
      {
        label: 'admin',
        email: b.adminEmail,
        nav: ['My store', 'Create', 'API tokens', 'Account', 'Users', 'Groups', 'Audit log', 'Webhooks'],
        stops: [
          { name: 'store', path: '/secrets', status: 200, shows: ['journey-relay', 'journey-certificate'] },
          { name: 'type-picker', path: '/secrets/new', status: 200, shows: ['SMTP'] },
          { name: 'new-smtp', path: '/secrets/new/smtp', status: 200 },
          { name: 'secret', path: `/secrets/${relay.id}`, status: 200, shows: ['Edit', 'Share', 'Delete'] },
          { name: 'certificate', path: `/secrets/${certificate.id}`, status: 200 },
          { name: 'edit', path: `/secrets/${relay.id}/edit`, status: 200 },
          { name: 'versions', path: `/secrets/${relay.id}/versions`, status: 200, shows: ['rename'] },
          { name: 'compare', path: `/secrets/${relay.id}/versions/compare?from=1&to=2`, status: 200 },
          { name: 'shares', path: `/secrets/${shared.id}/shares`, status: 200, shows: [recipient.email] },
          { name: 'delete', path: `/secrets/${relay.id}/delete`, status: 200 },
          { name: 'tokens', path: '/tokens', status: 200 },
          { name: 'account', path: '/account', status: 200 },
          { name: 'users', path: '/admin/users', status: 200, shows: [nobody.email] },
          { name: 'groups', path: '/admin/groups', status: 200, shows: [team.name] },
          { name: 'group', path: `/admin/groups/${team.name}`, status: 200, shows: [member.email] },
          { name: 'audit', path: '/admin/audit', status: 200, shows: ['journey-relay'] },
          { name: 'webhooks', path: '/admin/webhooks', status: 200, shows: ['Register an endpoint'] },
          { name: 'not-found', path: '/no-such-page', status: 404 },
        ],
      },
      {
        label: 'creator',
        email: creator.email,
        nav: ['My store', 'Create', ...signedIn.slice(1)],
        stops: [
          { name: 'store', path: '/secrets', status: 200, shows: ['journey-own'], hides: ['journey-relay'] },
          { name: 'type-picker', path: '/secrets/new', status: 200, shows: ['Password'], hides: ['SMTP server'] },
          { name: 'new-password', path: '/secrets/new/password', status: 200, shows: ['Generate'] },
          { name: 'new-smtp', path: '/secrets/new/smtp', status: 403, hides: ['<form method="post" action="/secrets'] },
          { name: 'secret', path: `/secrets/${own.id}`, status: 200, shows: ['Edit', 'Share', 'Delete'] },
          { name: 'edit', path: `/secrets/${own.id}/edit`, status: 200 },
          { name: 'versions', path: `/secrets/${own.id}/versions`, status: 200 },
          own404,
          { name: 'users', path: '/admin/users', status: 403 },
          { name: 'tokens', path: '/tokens', status: 200 },
        ],
      },
      {
        label: 'recipient',
        email: recipient.email,
        nav: signedIn,
        stops: [
          { name: 'store', path: '/secrets', status: 200, shows: ['journey-shared', 'shared with you'] },
          {
            name: 'secret',
            path: `/secrets/${shared.id}`,
            status: 200,
            shows: ['Versions'],
            hides: [`/secrets/${shared.id}/edit`, `/secrets/${shared.id}/delete`, `/secrets/${shared.id}/shares`],
          },
          {
            name: 'edit-refused',
            path: `/secrets/${shared.id}/edit`,
            status: 403,
            hides: ['<form method="post" action="/secrets'],
          },
          { name: 'new-refused', path: '/secrets/new', status: 403 },
          own404,
          { name: 'account', path: '/account', status: 200 },
        ],
      },
      {
        label: 'member',
        email: member.email,
        nav: signedIn,
        // Shared with a group: the members' modules may use it; nobody sees it.
        stops: [
          { name: 'store', path: '/secrets', status: 200, shows: ['Your store is empty'], hides: ['journey-team-key'] },
          { name: 'group-secret', path: `/secrets/${teamKey.id}`, status: 404, hides: ['journey-team-key'] },
          { name: 'audit-refused', path: '/admin/audit', status: 403 },
          { name: 'webhooks-refused', path: '/admin/webhooks', status: 403, hides: ['Register an endpoint'] },
          { name: 'tokens', path: '/tokens', status: 200 },
        ],
      },
      {
        label: 'nobody',
        email: nobody.email,
        nav: signedIn,
        stops: [
          {
            name: 'store',
            path: '/secrets',
            status: 200,
            shows: ['Your store is empty', 'ask an administrator for the permission to create secrets'],
            hides: ['Create a secret'],
          },
          { name: 'new-refused', path: '/secrets/new', status: 403 },
          { name: 'groups-refused', path: '/admin/groups', status: 403 },
          { name: 'account', path: '/account', status: 200 },
        ],
      },
    );
  }, 90_000);

  afterAll(async () => {
    // Over every page of every role at both widths, no value was ever in the HTML.
    expect(html.length).toBeGreaterThan(80);
    expect(findCanaries(html.join('\n'), canaries)).toEqual([]);
    await b?.close();
  });

  async function signIn(page: Page, email: string): Promise<string[]> {
    await page.goto(`${b.base}/login`);
    const problems = await seriousViolations(page, '/login');
    html.push(await page.content());
    await page.fill('#email', email);
    await page.fill('#password', testPassword);
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('main button[type=submit]')]);
    return problems;
  }

  for (const label of ['admin', 'creator', 'recipient', 'member', 'nobody'])
    for (const width of [1280, 390])
      it(`walks every page of a ${label} at ${width} px`, async () => {
        const role = roles.find((r) => r.label === label)!;
        // axe is injected as an inline script, which Tresor's CSP (script-src 'self') would refuse.
        const context = await b.browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
        const page = await context.newPage();
        const problems = await signIn(page, role.email);
        expect(await page.locator('nav[aria-label="Main"] a').allTextContents()).toEqual(role.nav);
        for (const stop of role.stops) {
          const where = `${label} ${stop.path}`;
          const response = await page.goto(`${b.base}${stop.path}`);
          const content = await page.content();
          html.push(content);
          if (response?.status() !== stop.status) problems.push(`${where}: status ${response?.status()}`);
          for (const text of stop.shows ?? []) if (!content.includes(text)) problems.push(`${where}: no "${text}"`);
          for (const text of stop.hides ?? []) if (content.includes(text)) problems.push(`${where}: shows "${text}"`);
          // Every page, error pages too, keeps the navigation of a signed-in user.
          if ((await page.locator('nav[aria-label="Main"]').count()) !== 1) problems.push(`${where}: no navigation`);
          const pageWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
          if (pageWidth > width) problems.push(`${where}: ${pageWidth} px wide`);
          problems.push(...(await seriousViolations(page, where)));
          await page.screenshot({ path: `${shots}/journey-${label}-${width}-${stop.name}.png`, fullPage: true });
        }
        await context.close();
        expect(problems).toEqual([]);
      });
});
