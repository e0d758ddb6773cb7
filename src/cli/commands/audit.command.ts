/** `tresor audit verify` and `tresor audit export`: the trail's integrity and its JSON-lines export. */
import type { Command } from 'commander';
import { IntegrityError } from '../../errors.ts';
import { systemPrincipal } from '../../identity/principal.ts';
import type { CliContext } from '../context.ts';

export function auditCommand(program: Command, context: CliContext): void {
  const audit = program.command('audit').description('the audit trail');

  audit
    .command('verify')
    .description('walk the hash chain; exits non-zero at the first row edited, inserted or deleted')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const result = await (await context.tresor()).audit.verify(systemPrincipal);
      if (options.json) context.out(JSON.stringify(result));
      if (!result.ok) throw new IntegrityError(`Audit chain broken at row ${result.firstBad!.id}: ${result.firstBad!.problem}`);
      if (!options.json) context.out(`audit chain intact: ${result.rows} rows`);
    });

  audit
    .command('export')
    .description('every event as JSON lines on standard output, oldest first (for a SIEM)')
    .action(async () => {
      for await (const entry of (await context.tresor()).audit.export(systemPrincipal)) context.out(JSON.stringify(entry));
    });
}
