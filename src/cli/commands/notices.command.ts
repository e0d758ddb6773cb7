/** `tresor notices run`: one expiry-notice run now, on the configured database (local mode). */
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

export function noticesCommand(program: Command, context: CliContext): void {
  const notices = program.command('notices').description('expiry notices (the server sends them on its own)');

  notices
    .command('run')
    .description('send the expiry notices due now (each once: those already sent, or being sent, are skipped)')
    .option('--at <ISO time>', 'take this time as now (to see what a date would send)')
    .option('--json', 'machine-readable output')
    .action(async (options: { at?: string; json?: boolean }) => {
      const now = options.at === undefined ? new Date() : new Date(options.at);
      if (Number.isNaN(now.getTime())) throw ValidationError.field('at', '--at must be a time, e.g. 2027-01-31T09:00Z');
      const result = await (await context.tresor()).notices.run({ now });
      if (options.json) return context.out(JSON.stringify(result));
      if (!result.ran) return context.out('another node is sending notices right now; nothing done');
      const parts = [`${result.sent} notice(s) sent`];
      if (result.failed > 0) parts.push(`${result.failed} failed (see the log; tried again next run)`);
      if (result.nobody > 0) parts.push(`${result.nobody} with nobody to tell (no owner, no recipients)`);
      context.out(parts.join(', '));
    });
}
