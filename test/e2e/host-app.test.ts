/**
 * Tresor inside a host app, as the README shows it: the "Your app's own users and groups"
 * block is taken from the README, compiled against the packed tarball in a fresh project and
 * run with plain node; Chromium then walks it. The host signs people in (its own session and
 * user table); Tresor shows each their store with no second sign-in, inside the host's layout;
 * a credential shared with the host's "ops" group is usable by an ops member's module and
 * absent from their store; the host taking someone out of ops, or disabling them, ends what it
 * should at once — tokens included; and no value shows up anywhere.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../support/chromium.ts';
import { encodings, findCanaries } from '../support/leak-scan.ts';
import { compile, consumerCompilerOptions, installConsumer, packTresor, root } from '../support/packed-project.ts';

const signingSecret = 'CANARY-host-app-signing-5be81';

describe.skipIf(!chromiumPath)('a host app with its own sign-in, from the packed tarball, in Chromium', () => {
  let folder: string;
  let server: ChildProcess;
  let base: string;
  let output = '';
  let browser: Browser;
  /** Every response body and header Chromium received, for the canary scan. */
  const seen: string[] = [];

  beforeAll(async () => {
    const packed = packTresor('tresor-host-app-');
    folder = packed.folder;
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf("### Your app's own users and groups"));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain('identity,');
    writeFileSync(join(folder, 'host-app.ts'), example!);
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: consumerCompilerOptions, files: ['host-app.ts'] }),
    );
    installConsumer(folder, packed.filename, ['fastify', '@fastify/cookie', '@fastify/formbody', '@fastify/session']);
    compile(folder, 'tsconfig.json');
    server = spawn(process.execPath, [join(folder, 'out/host-app.js')], {
      cwd: folder,
      env: { ...process.env, PORT: '0', TRESOR_DATA_DIR: join(folder, 'data'), TRESOR_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the host app did not start:\n${output}`)), 120_000);
      const hear = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const started = /Acme at (http:\/\/\S+)/.exec(output);
        if (started) {
          clearTimeout(timer);
          resolve(started[1]!.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost'));
        }
      };
      server.stdout!.on('data', hear);
      server.stderr!.on('data', hear);
      server.once('exit', (code) => reject(new Error(`the host app exited (${code}):\n${output}`)));
    });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  async function signIn(person: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('response', async (response) => {
      const body = await response.text().catch(() => '');
      seen.push(`${response.url()}\n${JSON.stringify(await response.allHeaders())}\n${body}`);
    });
    await page.goto(`${base}/vault/secrets`);
    // Tresor sends the visitor to the host's sign-in, and the host back to Tresor.
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=user]', person);
    await page.fill('input[name=password]', `${person}-password`);
    await Promise.all([page.waitForURL(/\/vault\/secrets$/), page.click('main button')]);
    return { context, page };
  }

  const announce = async (page: Page) => {
    await page.goto(base);
    await Promise.all([page.waitForURL(/\/release$/), page.click('button:has-text("Announce a release")')]);
    return page.textContent('#outcome');
  };

  it('signs people in at the host only, shares with its groups and follows its changes', async () => {
    const ann = await signIn('ann');
    // Ann's store, in the host's layout, with no second sign-in and no Tresor session cookie.
    expect(await ann.page.textContent('header.acme')).toContain('Acme');
    expect(await ann.page.textContent('main')).toContain('Your store is empty.');
    expect((await ann.context.cookies()).map((c) => c.name)).not.toContain('tresor_session');
    // The host's colour reaches Tresor's buttons through --tresor-accent.
    const accent = await ann.page.evaluate(
      `(() => { const b = document.querySelector('.tresor .button, .tresor button');
        return b ? getComputedStyle(b).backgroundColor : ''; })()`,
    );
    expect(accent).toBe('rgb(124, 58, 237)');
    // The host's "admin" group administers Tresor: its navigation offers the admin pages.
    expect(await ann.page.locator('nav.acme-tresor a', { hasText: 'Users' }).count()).toBe(1);

    // Ann creates the release hook and shares it with the host's ops group.
    await ann.page.goto(`${base}/vault/secrets/new/release-hook`);
    await ann.page.fill('#name', 'release-hook');
    await ann.page.fill('#f-url', 'https://hooks.example.test/release');
    await ann.page.fill('#f-signingSecret', signingSecret);
    await Promise.all([
      ann.page.waitForURL(/\/vault\/secrets\/[0-9a-f-]{36}$/),
      ann.page.click('main button[type=submit]'),
    ]);
    await ann.page.goto(`${base}/vault/secrets/release-hook/shares`);
    await ann.page.selectOption('#group', 'ops');
    await Promise.all([
      ann.page.waitForSelector('[role=status]:has-text("Shared.")'),
      ann.page.click('button:has-text("Share with group")'),
    ]);
    // Ann owns it; Cy, in no group, may not use it and does not learn it exists.
    expect(await announce(ann.page)).toBe('Announced at hooks.example.test');
    const cy = await signIn('cy');
    expect(await announce(cy.page)).toBe('No release hook for you');
    await cy.page.goto(`${base}/vault/secrets`);
    expect(await cy.page.textContent('main')).not.toContain('release-hook');

    // Bob (ops): his module uses it; his store does not show it.
    const bob = await signIn('bob');
    expect(await bob.page.textContent('main')).not.toContain('release-hook');
    expect(await bob.page.locator('nav.acme-tresor a', { hasText: 'Users' }).count()).toBe(0);
    expect(await announce(bob.page)).toBe('Announced at hooks.example.test');

    // Bob makes an API token on Tresor's Tokens page (the host vouched for his sign-in).
    await bob.page.goto(`${base}/vault/tokens`);
    await bob.page.fill('#name', 'laptop');
    await bob.page.click('button:has-text("Create token")');
    const token = /tsr_[A-Za-z0-9_-]+/.exec((await bob.page.locator('.token').textContent()) ?? '')?.[0];
    expect(token).toBeDefined();
    const list = () => fetch(`${base}/vault/api/v1/secrets`, { headers: { authorization: `Bearer ${token}` } });
    expect((await list()).status).toBe(200);

    // Ann takes Bob out of ops at the host: his next use is refused.
    await ann.page.goto(base);
    await Promise.all([
      ann.page.waitForURL(`${base}/`),
      ann.page.locator('form[action="/people/bob"] button[value=toggle-ops]').click(),
    ]);
    expect(await announce(bob.page)).toBe('No release hook for you');

    // Ann disables Bob at the host: his Tresor pages and his token stop at once.
    await ann.page.goto(base);
    await Promise.all([
      ann.page.waitForURL(`${base}/`),
      ann.page.locator('form[action="/people/bob"] button[value=toggle-active]').click(),
    ]);
    expect((await list()).status).toBe(401);
    await bob.page.goto(`${base}/vault/secrets`);
    expect(new URL(bob.page.url()).pathname).toBe('/login');

    // Re-enabled and back in ops at the host: the same Tresor user, able to use it again.
    await ann.page.goto(base);
    await Promise.all([
      ann.page.waitForURL(`${base}/`),
      ann.page.locator('form[action="/people/bob"] button[value=toggle-active]').click(),
    ]);
    await Promise.all([
      ann.page.waitForURL(`${base}/`),
      ann.page.locator('form[action="/people/bob"] button[value=toggle-ops]').click(),
    ]);
    const again = await signIn('bob');
    expect(await announce(again.page)).toBe('Announced at hooks.example.test');
    expect((await list()).status).toBe(401); // his old token stays revoked

    // Everything seen in Chromium, and the host's own output: no value anywhere.
    expect(findCanaries(`${seen.join('\n')}\n${output}`, encodings(signingSecret))).toEqual([]);
    expect(seen.length).toBeGreaterThan(20);
  }, 300_000);
});
