/** `tresor keys status` and `tresor keys rotate`: the key ring and its rotation. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

/** An option's whole number, refused by name when it is not one. */
export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw ValidationError.field(name, `--${name} must be a whole number`);
    return n;
  };
}

export function keysCommand(program: Command, context: CliContext): void {
  const keys = program.command('keys').description('the key-encryption keys and their rotation');

  keys
    .command('status')
    .description('key versions, how many data keys each wraps, and any rotation in progress')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const status = await (await context.tresor()).keys.status(context.localPrincipal());
      if (options.json) return context.out(JSON.stringify(status, null, 2));
      context.out(`current key version: ${status.currentVersion}`);
      for (const v of status.versions) {
        const state = v.retiredAt
          ? `retired ${v.retiredAt.toISOString()}`
          : v.available
            ? 'active'
            : 'MISSING from the key source';
        context.out(`  v${v.version}: ${v.dataKeys} data keys, ${state}`);
      }
      if (status.rotationInProgress)
        context.out(
          `rotation to v${status.rotationInProgress.targetVersion} in progress: ` +
            `${status.rotationInProgress.rewrapped} re-wrapped; run \`tresor keys rotate\` to resume`,
        );
    });

  keys
    .command('rotate')
    .description('bring in a new key version and re-wrap every data key with it (resumes an interrupted rotation)')
    .option('--batch-size <n>', 'data keys re-wrapped per transaction', positiveInteger('batch-size'), 1000)
    .option('--throttle <ms>', 'pause between batches, to spare a busy database', positiveInteger('throttle'), 0)
    .action(async (options: { batchSize: number; throttle: number }) => {
      const tresor = await context.tresor();
      const started = Date.now();
      const result = await tresor.keys.rotate(context.localPrincipal(), {
        batchSize: Math.max(options.batchSize, 1),
        onProgress: async (p) => {
          const total = p.rewrapped + p.remaining;
          const line = `rotating to key v${p.targetVersion}: ${p.rewrapped}/${total} data keys re-wrapped`;
          if (context.interactive) process.stderr.write(`\r${line}`);
          else context.err(line);
          if (options.throttle > 0) await sleep(options.throttle);
        },
      });
      if (context.interactive) process.stderr.write('\n');
      const seconds = (Date.now() - started) / 1000;
      context.out(
        `rotated to key v${result.targetVersion}: ${result.rewrapped} data keys re-wrapped in ` +
          `${seconds.toFixed(1)} s; older versions with no data keys are retired`,
      );
    });
}
