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
    .command('reconcile')
    .description('report shares the audit trail does not explain (e.g. a share edited in the database); exits 7 if any')
    .action(async () => {
      const unexplained = await (await context.tresor()).audit.unexplainedShares(systemPrincipal);
      for (const u of unexplained) context.out(`unexplained share: secret ${u.secretId} → ${u.recipientKind} ${u.recipientId}`);
      if (unexplained.length > 0) throw new IntegrityError(`${unexplained.length} share(s) have no matching audit event: the database was changed outside Tresor`);
      context.out('every share is explained by the audit trail');
    });

  audit
    .command('export')
    .description('every event as JSON lines on standard output, oldest first (for a SIEM)')
    .action(async () => {
      for await (const entry of (await context.tresor()).audit.export(systemPrincipal)) context.out(JSON.stringify(entry));
    });
}
