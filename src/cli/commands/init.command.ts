/** `tresor init`: creates the embedded data folder (0700) and its key, the one CLI command that may. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function initCommand(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('create the embedded data folder and its master key (the server does this on first start too)')
    .action(async () => {
      const tresor = await context.tresor({ create: true });
      const where =
        tresor.database.kind === 'pglite' ? `the embedded database in ${tresor.config.dataDir}` : 'DATABASE_URL';
      context.out(`ready: ${where}`);
    });
}
