/** `tresor tokens …`: your API tokens (remote mode: the token belongs to the signed-in user). */
import type { Command } from 'commander';
import { TresorError, ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { apiCall, type RemoteTarget } from '../remote-backend.ts';

export function tokensCommand(program: Command, context: CliContext): void {
  const tokens = program.command('tokens').description('your API tokens (remote mode)');
  const remote = (): RemoteTarget => {
    const target = context.remote();
    if (!target)
      throw new TresorError(
        'UNAUTHENTICATED',
        'API tokens belong to a user: run tresor login --url … first, or pass --url and --token',
      );
    return target;
  };

  tokens
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const { items } = await apiCall<{
        items: { id: string; name: string; expiresAt: string | null; revokedAt: string | null }[];
      }>(remote(), 'GET', '/tokens');
      if (o.json) return context.out(JSON.stringify(items, null, 2));
      for (const t of items)
        context.out(`${t.id}\t${t.name}\t${t.revokedAt ? 'revoked' : `expires ${t.expiresAt ?? 'never'}`}`);
    });
  tokens
    .command('create <name>')
    .description('create a token; its value is printed once')
    .option('--days <n>', 'expire after N days')
    .action(async (name: string, o: { days?: string }) => {
      const days = o.days === undefined ? undefined : Number(o.days);
      if (days !== undefined && !Number.isInteger(days))
        throw ValidationError.field('days', '--days must be a whole number');
      const created = await apiCall<{ token: string }>(remote(), 'POST', '/tokens', {
        name,
        ...(days === undefined ? {} : { expiresInDays: days }),
      });
      context.out(created.token);
    });
  tokens.command('revoke <id>').action(async (id: string) => {
    await apiCall(remote(), 'DELETE', `/tokens/${encodeURIComponent(id)}`);
    context.out(`revoked ${id}`);
  });
}
