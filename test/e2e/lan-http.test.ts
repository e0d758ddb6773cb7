/**
 * Signing in over plain HTTP on a non-loopback address, as on a LAN without TLS: the CSP must
 * not ask the browser to upgrade requests (it would fetch the stylesheet and post the login
 * form over HTTPS to a port that does not speak it, and nobody could sign in). The network
 * is the test's own: a network namespace and a veth pair made here, removed afterwards;
 * Chromium runs inside the namespace and reaches the server on the pair's other end.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../support/chromium.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const ns = `tresor-lan-${process.pid}`;
const hostSide = { dev: `tl${process.pid % 100000}h`, address: '10.231.0.1' };
const nsSide = { dev: `tl${process.pid % 100000}n`, address: '10.231.0.2' };

function canMakeNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const runnable = Boolean(chromiumPath) && canMakeNamespaces();
if (!runnable && process.env.CI) throw new Error('The LAN sign-in test needs root, iproute2 and Chromium in CI');
if (!runnable)
  process.stdout.write('[tresor] LAN sign-in over plain HTTP SKIPPED: needs root, iproute2 (ip netns) and Chromium\n');

describe.skipIf(!runnable)('sign-in over plain HTTP on a LAN address, in Chromium', () => {
  let h: TestApp;
  let browser: Browser;
  let base: string;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

  beforeAll(async () => {
    ip('netns', 'add', ns);
    ip('link', 'add', hostSide.dev, 'type', 'veth', 'peer', 'name', nsSide.dev);
    ip('link', 'set', nsSide.dev, 'netns', ns);
    ip('addr', 'add', `${hostSide.address}/30`, 'dev', hostSide.dev);
    ip('link', 'set', hostSide.dev, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsSide.address}/30`, 'dev', nsSide.dev);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsSide.dev, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    h = await testApp('pglite');
    base = await h.app.listen({ host: hostSide.address, port: 0 });
    // Chromium, started inside the namespace: its only way out is the veth pair.
    const wrapper = join(mkdtempSync(join(tmpdir(), 'tresor-lan-')), 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${chromiumPath} "$@"\n`);
    chmodSync(wrapper, 0o755);
    browser = await chromium.launch({ executablePath: wrapper, args: chromiumArgs });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    try {
      ip('link', 'delete', hostSide.dev);
    } catch {}
    try {
      ip('netns', 'delete', ns);
    } catch {}
  });

  it('signs in, with the stylesheet and the form over HTTP, and no request upgraded', async () => {
    expect(base.startsWith(`http://${hostSide.address}:`)).toBe(true);
    const user = await createUser(h.tresor, h.admin, 'lan-user');
    const page = await browser.newPage();
    const failed: string[] = [];
    const upgraded: string[] = [];
    const stylesheets: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/assets/tresor.css')) stylesheets.push(r.status());
    });
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('request', (r) => {
      if (r.url().startsWith('https:')) upgraded.push(r.url());
    });
    await page.goto(`${base}/login`);
    await page.fill('#email', user.email);
    await page.fill('#password', 'correct horse battery staple');
    await Promise.all([page.waitForURL(/\/secrets$/), page.click('main button[type=submit]')]);
    expect(await page.textContent('h1')).toContain('My store');
    expect(stylesheets).toContain(200);
    expect(upgraded).toEqual([]);
    expect(failed).toEqual([]);
  }, 120_000);
});
