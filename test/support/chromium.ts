/**
 * Debian's Chromium for browser tests (never a downloaded browser). Absent locally, the
 * browser suites are skipped and say so; in CI they are required.
 */
import { existsSync } from 'node:fs';

export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

if (!chromiumPath) {
  if (process.env.CI) throw new Error('Chromium is required in CI (apt-get install chromium)');
  process.stdout.write(
    '[tresor] Chromium not found at /usr/bin/chromium: browser suites are SKIPPED (apt-get install chromium to run them).\n',
  );
}

export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];
