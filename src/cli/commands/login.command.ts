/** `tresor login` / `tresor logout`: a token for remote mode, kept in the user's config folder (0600). */
import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { isTresorError, ValidationError } from '../../errors.ts';
import { codeFromBrowser } from '../browser-login.ts';
import type { CliContext } from '../context.ts';
import { forgetLogin, readLogin, signOut, writeLogin } from '../credentials-file.ts';
import { readSecret } from '../prompt.ts';
import { apiCall } from '../remote-backend.ts';

interface LoginOptions {
  url: string;
  email?: string;
  days: string;
  code?: string;
  browser?: boolean;
  open: boolean;
}

export function loginCommand(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('sign in to a Tresor server; the CLI then works against it (remote mode)')
    .requiredOption('--url <url>', 'the server, e.g. https://tresor.example.com')
    .option('--email <email>', 'your e-mail (asked otherwise)')
    .option('--days <n>', 'token lifetime in days', '30')
    .option('--code <code>', "your authenticator app's current code (or a recovery code), if you have a second factor")
    .option('--browser', 'sign in through the web UI (single sign-on included): no password typed here')
    .option('--no-open', 'with --browser: print the link instead of opening a browser')
    .action(async (o: LoginOptions) => {
      let url: URL;
      try {
        url = new URL(o.url);
      } catch {
        throw ValidationError.field('url', `--url must be a URL like https://tresor.example.com, not "${o.url}"`);
      }
      if (o.browser) {
        const { code, verifier } = await codeFromBrowser(
          url,
          { days: Number(o.days), name: `tresor CLI on ${hostname()}` },
          (line) => context.err(line),
          { open: o.open && Boolean(process.stdout.isTTY) },
        );
        const created = await apiCall<{ id: string; token: string; expiresAt: string | null }>(
          { url: url.origin },
          'POST',
          '/auth/cli-token',
          { code, verifier },
        );
        const me = await apiCall<{ email: string }>({ url: url.origin, token: created.token }, 'GET', '/me');
        const path = writeLogin(context.env, { url: url.origin, token: created.token, tokenId: created.id });
        context.out(
          `signed in to ${url.origin} as ${me.email}; token saved in ${path} (expires ${created.expiresAt ?? 'never'})`,
        );
        return;
      }
      // Over plain HTTP the password crosses the network readable, unless it never leaves this machine.
      if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
        context.err(
          `warning: ${url.origin} is plain HTTP: your password and the token go over the network unencrypted; ` +
            'use https:// unless this network is yours alone',
        );
      let email = o.email;
      if (!email) {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        email = await rl.question('E-mail: ');
        rl.close();
      }
      const password = await readSecret('Password: ');
      // One exchange of the credentials for a token of the wanted lifetime (a token minted with a token
      // never outlives it).
      const exchange = (code: string | undefined) =>
        apiCall<{ id: string; token: string; expiresAt: string | null }>({ url: url.origin }, 'POST', '/auth/token', {
          email,
          password,
          ...(code === undefined ? {} : { code }),
          name: `tresor CLI on ${hostname()}`,
          expiresInDays: Number(o.days),
        });
      const created = await exchange(o.code).catch(async (error: unknown) => {
        // An account with a second factor: ask for the code at a terminal (--code gives it otherwise).
        if (o.code !== undefined || !process.stdin.isTTY || !/second factor/.test((error as Error).message))
          throw error;
        return exchange(await readSecret('Code from your authenticator app: '));
      });
      const path = writeLogin(context.env, { url: url.origin, token: created.token, tokenId: created.id });
      context.out(
        `signed in to ${url.origin} as ${email}; token saved in ${path} (expires ${created.expiresAt ?? 'never'})`,
      );
    });

  program
    .command('logout')
    .description('revoke the stored token; the CLI then says it is signed out (--local: back to local mode)')
    .option('--local', 'forget the server too: commands work on the local database again')
    .action(async (o: { local?: boolean }) => {
      // Revoke the token this CLI stored (by its id), then forget it.
      const stored = readLogin(context.env);
      if (stored?.token && stored.tokenId) {
        await apiCall(
          { url: stored.url, token: stored.token },
          'DELETE',
          `/tokens/${encodeURIComponent(stored.tokenId)}`,
        ).catch((error: unknown) => {
          // Already ended (a password change, an administrator, its end date): signing out goes on.
          if (!(isTresorError(error) && error.code === 'UNAUTHENTICATED')) throw error;
        });
      }
      if (o.local || !stored) forgetLogin(context.env);
      else signOut(context.env, stored.url);
      context.out(
        o.local || !stored ? 'signed out; the CLI works on the local database' : `signed out of ${stored.url}`,
      );
    });
}
