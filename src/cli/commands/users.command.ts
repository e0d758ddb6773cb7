/** `tresor users …`: local administration of users (acts as Tresor itself). */
import type { Command } from 'commander';
import { NotFoundError } from '../../errors.ts';
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
        const user = await tresor.users.findByEmail(email);
        if (!user) throw new NotFoundError(`No user ${email}`);
        await tresor.users.setDisabled(context.localPrincipal(), user.id, disabled);
        context.out(`${name}d ${user.email}`);
      });
  }
}
