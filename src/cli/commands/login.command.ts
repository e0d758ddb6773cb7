/** `tresor login` / `tresor logout`: a token for remote mode, kept in the user's config folder (0600). */
import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { forgetLogin, writeLogin } from '../credentials-file.ts';
import { readSecret } from '../prompt.ts';
import { apiCall } from '../remote-backend.ts';

export function loginCommand(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('sign in to a Tresor server; the CLI then works against it (remote mode)')
    .requiredOption('--url <url>', 'the server, e.g. https://tresor.example.com')
    .option('--email <email>', 'your e-mail (asked otherwise)')
    .option('--days <n>', 'token lifetime in days', '30')
    .action(async (o: { url: string; email?: string; days: string }) => {
      let url: URL;
      try {
        url = new URL(o.url);
      } catch {
        throw ValidationError.field('url', `--url must be a URL like https://tresor.example.com, not "${o.url}"`);
      }
      let email = o.email;
      if (!email) {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        email = await rl.question('E-mail: ');
        rl.close();
      }
      const password = await readSecret('Password: ');
      const session = await apiCall<{ token: string }>({ url: url.origin }, 'POST', '/auth/token', { email, password });
      const created = await apiCall<{ token: string; expiresAt: string | null }>({ url: url.origin, token: session.token }, 'POST', '/tokens', { name: `tresor CLI on ${hostname()}`, expiresInDays: Number(o.days) });
      const path = writeLogin(context.env, { url: url.origin, token: created.token });
      context.out(`signed in to ${url.origin} as ${email}; token saved in ${path} (expires ${created.expiresAt ?? 'never'})`);
    });

  program
    .command('logout')
    .description('forget the stored token')
    .action(async () => {
      const remote = context.remote();
      if (remote) {
        const me = await apiCall<{ items: { id: string; name: string; revokedAt: string | null }[] }>(remote, 'GET', '/tokens');
        // Revoke the token this CLI holds (the newest CLI token), then forget it.
        const mine = me.items.find((t) => t.name.startsWith('tresor CLI on') && t.revokedAt === null);
        if (mine) await apiCall(remote, 'DELETE', `/tokens/${mine.id}`);
      }
      forgetLogin(context.env);
      context.out('signed out');
    });
}
