/** `tresor users …`: local administration of users (acts as Tresor itself). */
import type { Command } from 'commander';
import { NotFoundError, UpstreamError } from '../../errors.ts';
import type { MailedLink } from '../../identity/account-link.service.ts';
import type { User } from '../../identity/user.service.ts';
import type { Tresor } from '../../tresor.ts';
import type { CliContext } from '../context.ts';
import { readSecret } from '../prompt.ts';

export function usersCommand(program: Command, context: CliContext): void {
  const users = program.command('users').description('manage users (local mode: run where the database is)');

  users
    .command('create <email>')
    .description('create a user; asks for the password (or reads it from standard input)')
    .option('--name <displayName>', 'display name')
    .option('--admin', 'make an administrator: every administration permission, SECRET_MANAGEMENT, member of system')
    .action(async (email: string, options: { name?: string; admin?: boolean }) => {
      const tresor = await context.tresor();
      const password = await readSecret(`Password for ${email}: `);
      const input = { email, password, ...(options.name === undefined ? {} : { displayName: options.name }) };
      const user = options.admin
        ? await tresor.bootstrap.createAdministrator(input)
        : await tresor.users.create(context.localPrincipal(), input);
      context.out(`created ${options.admin ? 'administrator' : 'user'} ${user.email} (${user.id})`);
    });

  users
    .command('invite <email>')
    .description('create a user without a password and mail them a link to choose one (72 hours)')
    .option('--name <displayName>', 'display name')
    .action(async (email: string, options: { name?: string }) => {
      const tresor = await context.tresor();
      const input = { email, ...(options.name === undefined ? {} : { displayName: options.name }) };
      const { user, invitation } = await tresor.accounts.invite(context.localPrincipal(), input);
      context.out(`invited ${user.email} (${user.id}); ${mailedLine(invitation, `invite-again ${user.email}`)}`);
    });

  users
    .command('invite-again <email>')
    .description('mail a new invitation to a user who has not chosen a password yet (the old link stops working)')
    .action(async (email: string) => {
      const tresor = await context.tresor();
      const result = await tresor.accounts.reinvite(context.localPrincipal(), (await userNamed(tresor, email)).id);
      context.out(`${email}: ${mailedLine(result, `invite-again ${email}`)}`);
    });

  users
    .command('reset <email>')
    .description('mail the user a link to choose a new password (an hour); their password stays until it is used')
    .action(async (email: string) => {
      const tresor = await context.tresor();
      const result = await tresor.accounts.sendReset(context.localPrincipal(), (await userNamed(tresor, email)).id);
      context.out(`${email}: ${mailedLine(result, `reset ${email}`)}`);
    });

  users
    .command('list')
    .description('list users')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const list = await (await context.tresor()).users.list(context.localPrincipal());
      if (options.json) return context.out(JSON.stringify(list, null, 2));
      for (const u of list) context.out(`${u.email}\t${u.displayName}${u.disabled ? '\t(disabled)' : ''}`);
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <email>`)
      .description(`${name} a user${disabled ? ' (ends their sessions and tokens)' : ''}`)
      .action(async (email: string) => {
        const tresor = await context.tresor();
        const user = await userNamed(tresor, email);
        await tresor.users.setDisabled(context.localPrincipal(), user.id, disabled);
        context.out(`${name}d ${user.email}`);
      });
  }
}

async function userNamed(tresor: Tresor, email: string): Promise<User> {
  const user = await tresor.users.findByEmail(email);
  if (!user) throw new NotFoundError(`No user ${email}`);
  return user;
}

/** What became of a mailed link, in one line (a mail that did not go out is an error: exit code non-zero). */
function mailedLine(result: MailedLink, retry: string): string {
  if (!result.mailed)
    throw new UpstreamError(
      `the link could not be mailed (${result.problem ?? 'unknown'}): set up an SMTP secret for Tresor's mail, ` +
        `then run: tresor users ${retry}`,
    );
  return `a link was mailed, valid until ${result.expiresAt.toISOString()}`;
}
