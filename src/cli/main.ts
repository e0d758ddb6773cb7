/**
 * The `tresor` command line. Every failure ends as one line on stderr that says what to
 * fix, and an exit code from `exit-codes.ts`.
 */
import { Command, CommanderError } from 'commander';
import { printable } from '../db/errors.ts';
import { isTresorError } from '../errors.ts';
import { auditCommand } from './commands/audit.command.ts';
import { environmentsCommand } from './commands/environments.command.ts';
import { groupsCommand } from './commands/groups.command.ts';
import { initCommand } from './commands/init.command.ts';
import { keysCommand } from './commands/keys.command.ts';
import { loginCommand } from './commands/login.command.ts';
import { noticesCommand } from './commands/notices.command.ts';
import { providedCommand } from './commands/provided.command.ts';
import { renderCommand } from './commands/render.command.ts';
import { secretsCommand } from './commands/secrets.command.ts';
import { spacesCommand } from './commands/spaces.command.ts';
import { tokensCommand } from './commands/tokens.command.ts';
import { transferCommand } from './commands/transfer.command.ts';
import { typesCommand } from './commands/types.command.ts';
import { usersCommand } from './commands/users.command.ts';
import { webhooksCommand } from './commands/webhooks.command.ts';
import { type CliContext, createCliContext, type GlobalOptions } from './context.ts';
import { exitCodeOf, exitCodes } from './exit-codes.ts';

export function buildProgram(context?: CliContext): Command {
  const program: Command = new Command('tresor')
    .description('Tresor: typed credentials, sealed at rest, shared with care')
    .option('--url <url>', 'remote mode: the Tresor server (or TRESOR_URL, or tresor login)')
    .option('--token <token>', 'remote mode: an API token (or TRESOR_TOKEN)')
    // Global options go before the command (tresor --url … secrets list), so a command may have its own --url.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  context ??= createCliContext(process.env, () => program.opts<GlobalOptions>());
  initCommand(program, context);
  typesCommand(program, context);
  secretsCommand(program, context);
  spacesCommand(program, context);
  environmentsCommand(program, context);
  loginCommand(program, context);
  renderCommand(program, context);
  keysCommand(program, context);
  noticesCommand(program, context);
  transferCommand(program, context);
  providedCommand(program, context);
  usersCommand(program, context);
  groupsCommand(program, context);
  tokensCommand(program, context);
  auditCommand(program, context);
  webhooksCommand(program, context);
  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it too. */
export async function runCli(argv: string[]): Promise<number> {
  let program: Command | undefined;
  const context = createCliContext(process.env, () => program?.opts<GlobalOptions>() ?? {});
  try {
    program = buildProgram(context);
    await program.parseAsync(argv, { from: 'user' });
    return context.exitCode ?? exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (isTresorError(error)) {
      context.err(`tresor: ${error.message}`);
      return exitCodeOf[error.code];
    }
    context.err(`tresor: unexpected error: ${printable(error).message}`);
    return exitCodes.internal;
  } finally {
    await context.close();
  }
}
