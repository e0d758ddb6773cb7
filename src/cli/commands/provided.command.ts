/** `tresor provided`: the secrets providers hold (environment, mounted files), and any problem (local mode). */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function providedCommand(program: Command, context: CliContext): void {
  program
    .command('provided')
    .description('secrets held outside Tresor (TRESOR_PROVIDER_ENV, TRESOR_PROVIDER_FILES): names, types, fields set')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      context.localPrincipal();
      const views = await (await context.tresor()).provided.list();
      if (o.json) return context.out(JSON.stringify(views, null, 2));
      if (views.length === 0)
        return context.out('no provider holds a secret (see TRESOR_PROVIDER_ENV, TRESOR_PROVIDER_FILES)');
      for (const v of views)
        context.out(
          `${v.name} (${v.type ?? 'no type'}, from ${v.provider}: ${v.source}) ` +
            `fields ${v.fields.join(', ') || 'none'}${v.problem ? ` — ${v.problem}` : ''}`,
        );
    });
}
