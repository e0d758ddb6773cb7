/**
 * A Tresor app on loopback and Debian's Chromium, for the browser suites: sign-in as a user
 * in a fresh browser context (its own cookies), at the viewport and with or without script.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from './chromium.ts';
import { type TestApp, testApp } from './http.ts';

/** The password every test user gets (test/support/principals.ts). */
export const testPassword = 'correct horse battery staple';

export interface BrowserApp {
  h: TestApp;
  base: string;
  browser: Browser;
  adminEmail: string;
  /** Signs `email` in (default: the first administrator) in a new context; the page is on the store. */
  signIn(
    email?: string,
    options?: { width?: number; javaScriptEnabled?: boolean; ignoreHTTPSErrors?: boolean; bypassCSP?: boolean },
  ): Promise<Page>;
  close(): Promise<void>;
}

export async function browserApp(env: Record<string, string> = {}): Promise<BrowserApp> {
  const h = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000', ...env });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: chromiumPath!, args: chromiumArgs });
  const adminEmail = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
  return {
    h,
    base,
    browser,
    adminEmail,
    async signIn(email = adminEmail, options = {}) {
      const context = await browser.newContext({
        ...(options.width ? { viewport: { width: options.width, height: 800 } } : {}),
        javaScriptEnabled: options.javaScriptEnabled ?? true,
        // A test's own servers (an authorization server on loopback) have a test CA the browser does not know.
        ...(options.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
        // axe-core is injected as an inline script, which Tresor's CSP (script-src 'self') refuses.
        ...(options.bypassCSP ? { bypassCSP: true } : {}),
      });
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await page.fill('#email', email);
      await page.fill('#password', testPassword);
      await Promise.all([page.waitForURL(/\/secrets$/), page.click('main button[type=submit]')]);
      return page;
    },
    async close() {
      await browser.close();
      await h.close();
    },
  };
}
