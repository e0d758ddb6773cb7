/**
 * The audit log as people read it (issue "A web UI people would choose", defect 2), in real
 * Chromium: people by name and e-mail instead of `user:<id>`, filters by picking a person, a
 * secret, an action and a time range, which fields changed (never a value), rows linked to the
 * secret and to the person's events, pages of older and newer events, and the chain's state.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { type BrowserApp, browserApp, testPassword } from '../support/browser-app.ts';
import { chromiumPath } from '../support/chromium.ts';
import type { TestApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';

const canaries = ['CANARY-audit-smtp-1', 'CANARY-audit-smtp-2'];

describe.skipIf(!chromiumPath)('the audit log (Chromium)', () => {
  let b: BrowserApp;
  let h: TestApp;
  let page: Page;
  let alice: { kind: 'user'; id: string; email: string };
  let relayId: string;
  const html: string[] = [];

  beforeAll(async () => {
    b = await browserApp();
    h = b.h;
    const created = await h.tresor.users.create(systemPrincipal, {
      email: 'alice.auditee@example.test',
      displayName: 'Alice Auditee',
      password: testPassword,
    });
    alice = { kind: 'user', id: created.id, email: created.email };
    for (const p of ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE'] as const)
      await h.tresor.groups.grant(h.admin, { userId: alice.id }, p);
    await h.tresor.groups.addMember(h.admin, 'system', alice.id); // SMTP secrets belong to system's members
    const relay = await h.tresor.secrets.create(alice, {
      type: 'smtp',
      name: 'audited-relay',
      fields: { host: 'smtp.example.test', username: 'mailer', password: canaries[0] },
    });
    relayId = relay.id;
    await h.tresor.secrets.update(alice, relay.id, {
      fields: { host: 'smtp2.example.test', password: canaries[1] },
      reason: 'moved',
      merge: true,
    });
    // Enough events of the administrator's for more than one page (50 a page).
    for (let i = 0; i < 30; i++) {
      const s = await h.tresor.secrets.create(h.admin, {
        type: 'password',
        name: `filler-${i}`,
        fields: { password: 'x' },
      });
      await h.tresor.secrets.delete(h.admin, s.id);
    }
    page = await b.signIn();
  }, 120_000);
  afterAll(async () => {
    expect(findCanaries(html.join('\n'), canaries)).toEqual([]);
    await b?.close();
  });

  async function audit(query = ''): Promise<number> {
    const response = await page.goto(`${b.base}/admin/audit${query}`);
    html.push(await page.content());
    return response!.status();
  }
  const rowTexts = () => page.locator('table.audit tbody tr').allTextContents();
  const cells = (label: string) => page.locator(`table.audit tbody td[data-label="${label}"]`).allTextContents();

  it('shows people by name and e-mail, what changed by field name, and the chain state', async () => {
    expect(await audit(`?secret=audited-relay`)).toBe(200);
    const main = (await page.textContent('main'))!;
    expect(main).not.toMatch(/user:[0-9a-f]{8}-/);
    const updated = page.locator('table.audit tbody tr', { hasText: 'secret.updated' });
    expect(await updated.count()).toBe(1);
    const text = (await updated.textContent())!;
    expect(text).toContain('Alice Auditee');
    expect(text).toContain(alice.email);
    expect(text).toContain('Changed fields: host, password');
    expect(text).toContain('version 2');
    expect(await page.locator('p:has-text("Hash chain") .badge').textContent()).toMatch(/intact, \d+ rows checked/);
  });

  it('links a row to its secret and to everything its person did', async () => {
    await audit('?secret=audited-relay&action=secret.created');
    const row = page.locator('table.audit tbody tr').first();
    await Promise.all([page.waitForURL(`**/secrets/${relayId}`), row.locator('td[data-label=Target] a').click()]);
    expect(await page.textContent('h1')).toContain('audited-relay');

    await audit('?secret=audited-relay&action=secret.created');
    await Promise.all([
      page.waitForURL(`**/admin/audit?actor=${alice.id}`),
      page.locator('table.audit tbody tr td[data-label=Who] a').first().click(),
    ]);
    const who = await cells('Who');
    expect(who.length).toBeGreaterThan(1);
    for (const cell of who) expect(cell).toContain('Alice Auditee');
  });

  it('filters by picking a person, an action and a secret name, in the form', async () => {
    await audit();
    await page.selectOption('#filter-actor', { label: `Alice Auditee <${alice.email}>` });
    await page.selectOption('#filter-action', 'secret.updated');
    await Promise.all([page.waitForURL(/action=secret.updated/), page.click('form.filters button[type=submit]')]);
    expect(await rowTexts()).toHaveLength(1);
    expect(await page.inputValue('#filter-action')).toBe('secret.updated');

    await audit();
    // The secret filter suggests names from the trail and takes any letter case.
    expect(await page.locator('#audit-secret-names option[value="audited-relay"]').count()).toBe(1);
    await page.fill('#filter-secret', 'AUDITED-RELAY');
    await Promise.all([page.waitForURL(/secret=AUDITED-RELAY/), page.click('form.filters button[type=submit]')]);
    const targets = await cells('Target');
    expect(targets.length).toBeGreaterThanOrEqual(2);
    for (const t of targets) expect(t.trim()).toBe('audited-relay');
  });

  it('leaves out what changed nothing with "Changes only"; a wide page, each time on one line', async () => {
    // A read of the relay's page, then the filter: the read is on the trail, and not among the changes.
    await page.goto(`${b.base}/secrets/${relayId}`);
    await audit('?secret=audited-relay');
    expect(await cells('Action')).toEqual(expect.arrayContaining([expect.stringContaining('secret.read')]));
    await page.check('#filter-changes');
    await Promise.all([page.waitForURL(/changes=only/), page.click('form.filters button[type=submit]')]);
    html.push(await page.content());
    const actions = (await cells('Action')).map((a) => a.trim());
    expect(actions.length).toBeGreaterThanOrEqual(2);
    // Created, changed, and shared with the system group by the SMTP type's rule.
    for (const a of actions) expect(a).toMatch(/^secret\.(created|updated|shared)/);
    expect(await page.isChecked('#filter-changes')).toBe(true);
    // The table takes the window (not the 60rem column), and a time never wraps.
    await page.setViewportSize({ width: 1600, height: 900 });
    expect(await page.evaluate('document.querySelector("main").getBoundingClientRect().width')).toBeGreaterThan(1400);
    expect(
      await page.evaluate('getComputedStyle(document.querySelector(\'table.audit td[data-label="Time"]\')).whiteSpace'),
    ).toBe('nowrap');
  });

  it('filters by a time range, and names the field of a date that is not one', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await audit(`?from=${today}&to=${today}&secret=audited-relay`);
    expect((await rowTexts()).length).toBeGreaterThanOrEqual(2);
    await audit(`?from=${tomorrow}&secret=audited-relay`);
    expect(await rowTexts()).toEqual(['No events match these filters.']);
    expect(await audit('?from=2026-02-30')).toBe(200);
    expect(await page.textContent('main .error')).toContain('From: "2026-02-30" is not a date like');
    expect(await audit(`?from=${tomorrow}&to=${today}`)).toBe(200);
    expect(await page.textContent('main .error')).toContain('To: the range ends before it starts');
  });

  it('pages through older and newer events, and dates read in the reader’s language', async () => {
    await audit();
    const first = await page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((r) => r.id));
    expect(first).toHaveLength(50);
    expect(await page.locator('a[rel=prev]').count()).toBe(0);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel=next]')]);
    const second = await page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((r) => r.id));
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    const ids = (list: string[]) => list.map((id) => Number(id.replace('event-', '')));
    expect(Math.max(...ids(second))).toBeLessThan(Math.min(...ids(first)));
    await Promise.all([page.waitForURL(/after=/), page.click('a[rel=prev]')]);
    expect(await page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((r) => r.id))).toEqual(first);

    // English here; the <time> element carries the exact instant.
    const time = page.locator('table.audit tbody td[data-label=Time] time').first();
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await time.textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M UTC$/);
    const german = await b.browser.newContext({ locale: 'de-DE' });
    const de = await german.newPage();
    await de.goto(`${b.base}/login`);
    await de.fill('#email', b.adminEmail);
    await de.fill('#password', testPassword);
    await Promise.all([de.waitForURL(/\/secrets$/), de.click('main button[type=submit]')]);
    await de.goto(`${b.base}/admin/audit`);
    expect(await de.locator('table.audit tbody td[data-label=Time] time').first().textContent()).toMatch(
      /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} UTC$/,
    );
    await german.close();
  });
});
