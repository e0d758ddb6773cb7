/** `tresor audit verify` and `tresor audit export`: the trail's integrity and its JSON-lines export. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import type { ExportedHash } from '../../audit/audit-log.service.ts';
import { IntegrityError, ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

export function auditCommand(program: Command, context: CliContext): void {
  const audit = program.command('audit').description('the audit trail');

  audit
    .command('verify')
    .description('walk the hash chain; exits non-zero at the first row edited, inserted or deleted')
    .option('--json', 'machine-readable output')
    .option(
      '--against <file>',
      'also compare with an earlier `tresor audit export`: finds a trail rewritten since, chain and all',
    )
    .action(async (options: { json?: boolean; against?: string }) => {
      const tresor = await context.tresor();
      const result = await tresor.audit.verify(context.localPrincipal());
      const copy =
        options.against === undefined
          ? undefined
          : await tresor.audit.compareWithExport(context.localPrincipal(), exportedHashes(options.against));
      if (options.json) context.out(JSON.stringify(copy ? { ...result, exportedCopy: copy } : result));
      if (!result.ok)
        throw new IntegrityError(`Audit chain broken at row ${result.firstBad!.id}: ${result.firstBad!.problem}`);
      if (copy && !copy.ok) throw new IntegrityError(`Audit row ${copy.firstBad!.id} ${copy.firstBad!.problem}`);
      if (!options.json)
        context.out(
          `audit chain intact: ${result.rows} rows${copy ? `; all ${copy.rows} rows of the exported copy match` : ''}`,
        );
    });

  audit
    .command('reconcile')
    .description('report shares the audit trail does not explain (e.g. a share edited in the database); exits 7 if any')
    .action(async () => {
      const unexplained = await (await context.tresor()).audit.unexplainedShares(context.localPrincipal());
      for (const u of unexplained)
        context.out(`unexplained share: secret ${u.secretId} → ${u.recipientKind} ${u.recipientId}`);
      if (unexplained.length > 0)
        throw new IntegrityError(
          `${unexplained.length} share(s) have no matching audit event: the database was changed outside Tresor`,
        );
      context.out('every share is explained by the audit trail');
    });

  audit
    .command('export')
    .description('every event as JSON lines on standard output, oldest first (for a SIEM)')
    .action(async () => {
      for await (const entry of (await context.tresor()).audit.export(context.localPrincipal()))
        context.out(JSON.stringify(entry));
    });
}

const exportedRow = z.object({ id: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

/**
 * The rows of a JSON-lines export, read as they are needed; a line that is not one names its number, never its text.
 */
async function* exportedHashes(path: string): AsyncGenerator<ExportedHash> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const row = exportedRow.safeParse(parsed);
      if (!row.success)
        throw ValidationError.field(
          `--against line ${n}`,
          'is not a row of `tresor audit export` (with "id" and "hash")',
        );
      yield row.data;
    }
  } catch (error) {
    // A file that cannot be read (missing, a folder, not permitted) is the caller's to fix;
    // such errors come from a system call, which is how they are told from the rest.
    const failed = error as NodeJS.ErrnoException;
    if (failed.syscall !== undefined) throw ValidationError.field('--against', `cannot read ${path} (${failed.code})`);
    throw error;
  }
}
