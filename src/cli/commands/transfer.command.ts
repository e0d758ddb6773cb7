/**
 * `tresor export` and `tresor import`: secrets with their values, in a passphrase-sealed
 * archive, between instances (local mode: Tresor itself, on the configured database).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw ValidationError.field(flag, `Cannot read ${file}`);
  }
}

/** The passphrase file's first line (a trailing newline is not part of the passphrase). */
const passphraseFrom = (file: string) => readText(file, 'passphrase-file').split(/\r?\n/)[0] ?? '';

export function transferCommand(program: Command, context: CliContext): void {
  program
    .command('export')
    .description('write every secret, with its values, to stdout as an archive sealed with a passphrase')
    .requiredOption('--passphrase-file <file>', 'the passphrase (its first line; at least 12 characters)')
    .option('--all-versions', 'every version kept, not only the current one')
    .option('--secret <name...>', 'only these secrets (space/name outside the default space)')
    .option('--space <space>', "only this space's secrets (a team's backup)")
    .action(async (o: { passphraseFile: string; allVersions?: boolean; secret?: string[]; space?: string }) => {
      const tresor = await context.tresor();
      const { archive, secrets } = await tresor.transfer.exportArchive(context.localPrincipal(), {
        passphrase: passphraseFrom(o.passphraseFile),
        allVersions: o.allVersions === true,
        ...(o.secret ? { only: o.secret } : {}),
        ...(o.space ? { space: o.space } : {}),
      });
      process.stdout.write(archive);
      context.err(`exported ${secrets} secret(s)${o.allVersions ? ' with every version kept' : ''}`);
    });

  program
    .command('import <archive>')
    .description('create the secrets of an archive here (owners and shares by e-mail and group name)')
    .requiredOption('--passphrase-file <file>', 'the passphrase the archive was sealed with')
    .option('--dry-run', 'show what would be created, renamed or skipped; write nothing')
    .option('--on-conflict <skip|rename>', 'a name that exists here: skip the secret (default) or rename it', 'skip')
    .option('--json', 'machine-readable output')
    .action(
      async (file: string, o: { passphraseFile: string; dryRun?: boolean; onConflict: string; json?: boolean }) => {
        const archive = readText(file, 'archive');
        const tresor = await context.tresor();
        const report = await tresor.transfer.importArchive(context.localPrincipal(), archive, {
          passphrase: passphraseFrom(o.passphraseFile),
          dryRun: o.dryRun === true,
          onConflict: o.onConflict as 'skip' | 'rename',
        });
        if (o.json) return context.out(JSON.stringify(report, null, 2));
        const verb = (outcome: string) =>
          report.dryRun
            ? { created: 'would create', renamed: 'would rename', skipped: 'would skip' }[outcome]
            : outcome;
        for (const line of report.lines)
          context.out(
            `${verb(line.outcome) ?? line.outcome} ${line.name}${line.as !== line.name ? ` as ${line.as}` : ''} ` +
              `(${line.type}, ${line.versions} version${line.versions === 1 ? '' : 's'})` +
              (line.notes.length > 0 ? `: ${line.notes.join('; ')}` : ''),
          );
        const c = report.counts;
        context.out(
          `${report.dryRun ? 'dry run, nothing written: ' : ''}${c.created} created, ${c.renamed} renamed, ` +
            `${c.skipped} skipped, ${c.failed} failed`,
        );
      },
    );
}
