/**
 * `tresor login --browser`: the CLI listens on a loopback port, opens (or prints) the server's
 * authorize page, and waits for the browser to hand it a one-time code; the code and a
 * verifier only this process knows are traded for a token (identity/cli-authorization.service.ts).
 * No password is typed into the CLI: whoever signs in by single sign-on signs the CLI in too.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TresorError } from '../errors.ts';

const waitMs = 5 * 60_000;

const page = (text: string) =>
  `<!doctype html><meta charset="utf-8"><title>Tresor CLI</title><p style="font: 16px system-ui">${text}</p>`;

/** Opens `url` in the desktop's browser where there is one; the printed link does otherwise. */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(command, [url], { stdio: 'ignore', detached: true })
      .on('error', () => {})
      .unref();
  } catch {
    // No browser here: the link was printed.
  }
}

/** Waits for the browser's code on a loopback port; answers the code once the authorize page was shown. */
export async function codeFromBrowser(
  server: URL,
  wanted: { days: number; name: string },
  show: (line: string) => void,
  options: { open: boolean },
): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const listener = createServer();
  const code = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TresorError('UNAUTHENTICATED', 'No sign-in came back from the browser within 5 minutes')),
      waitMs,
    );
    listener.on('request', (request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const got = url.searchParams.get('code');
      if (url.pathname !== '/callback' || !got) return void response.writeHead(404).end();
      // Only the browser this login opened knows the state: anything else on this port is ignored.
      if (url.searchParams.get('state') !== state)
        return void response
          .writeHead(400, { 'content-type': 'text/html' })
          .end(page('This sign-in is not the CLI’s.'));
      response
        .writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
        .end(page('Signed in: the <code>tresor</code> command has it. You can close this tab.'));
      clearTimeout(timer);
      resolve(got);
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  try {
    const authorize = new URL('/cli/authorize', server.origin);
    const query = { port: String((listener.address() as AddressInfo).port), state, challenge };
    authorize.search = new URLSearchParams({ ...query, days: String(wanted.days), name: wanted.name }).toString();
    show(`Open this page to sign in (waiting up to 5 minutes):\n  ${authorize.href}`);
    if (options.open) openBrowser(authorize.href);
    return { code: await code, verifier };
  } finally {
    listener.close();
  }
}
