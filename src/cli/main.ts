/**
 * The `tresor` command line. Every failure ends as one line on stderr that says what to
 * fix, and an exit code from `exit-codes.ts`.
 */
import { Command, CommanderError } from 'commander';
import { isTresorError } from '../errors.ts';
import { auditCommand } from './commands/audit.command.ts';
import { keysCommand } from './commands/keys.command.ts';
import { typesCommand } from './commands/types.command.ts';
import { usersCommand } from './commands/users.command.ts';
import { createCliContext } from './context.ts';
import { exitCodeOf, exitCodes } from './exit-codes.ts';

export function buildProgram(context = createCliContext()): Command {
  const program = new Command('tresor')
    .description('Tresor: typed credentials, sealed at rest, shared with care')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  typesCommand(program, context);
  keysCommand(program, context);
  usersCommand(program, context);
  auditCommand(program, context);
  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it too. */
export async function runCli(argv: string[]): Promise<number> {
  const context = createCliContext();
  try {
    await buildProgram(context).parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (isTresorError(error)) {
      context.err(`tresor: ${error.message}`);
      return exitCodeOf[error.code];
    }
    context.err(`tresor: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.internal;
  } finally {
    await context.close();
  }
}
