/** `tresor groups …`: groups, memberships and permissions (local mode, as Tresor itself). */
import type { Command } from 'commander';
import { NotFoundError } from '../../errors.ts';
import { systemPrincipal } from '../../identity/principal.ts';
import type { CliContext } from '../context.ts';

export function groupsCommand(program: Command, context: CliContext): void {
  const groups = program.command('groups').description('groups, memberships and permissions (local mode)');
  const userId = async (email: string) => {
    const user = await (await context.tresor()).users.findByEmail(email);
    if (!user) throw new NotFoundError(`No user ${email}`);
    return user.id;
  };

  groups
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const list = await (await context.tresor()).groups.list(systemPrincipal);
      if (o.json) return context.out(JSON.stringify(list, null, 2));
      for (const g of list) {
        const marks = `${g.builtIn ? ' (built in)' : ''}${g.managedBy ? ` (members from ${g.managedBy})` : ''}`;
        context.out(`${g.name}${marks}\t${g.description}`);
      }
    });
  groups
    .command('create <name>')
    .option('--description <text>', 'description')
    .option('--managed-by <source>', 'its members come from a sign-in source (oidc, ldap, host), synced at sign-in')
    .action(async (name: string, o: { description?: string; managedBy?: string }) => {
      const g = await (await context.tresor()).groups.create(systemPrincipal, {
        name,
        description: o.description ?? '',
        ...(o.managedBy ? { managedBy: o.managedBy } : {}),
      });
      context.out(`created group ${g.name}`);
    });
  groups.command('delete <name>').action(async (name: string) => {
    await (await context.tresor()).groups.delete(systemPrincipal, name);
    context.out(`deleted group ${name}`);
  });
  groups.command('add-member <group> <email>').action(async (group: string, email: string) => {
    await (await context.tresor()).groups.addMember(systemPrincipal, group, await userId(email));
    context.out(`added ${email} to ${group}`);
  });
  groups.command('remove-member <group> <email>').action(async (group: string, email: string) => {
    await (await context.tresor()).groups.removeMember(systemPrincipal, group, await userId(email));
    context.out(`removed ${email} from ${group}`);
  });
  groups.command('members <group>').action(async (group: string) => {
    for (const u of await (await context.tresor()).groups.members(systemPrincipal, group)) context.out(u.email);
  });
  for (const verb of ['grant', 'revoke'] as const) {
    groups
      .command(`${verb} <permission>`)
      .description(`${verb} a permission to a group (--group) or a user (--user)`)
      .option('--group <name>', 'a group')
      .option('--user <email>', 'a user')
      .action(async (permission: string, o: { group?: string; user?: string }) => {
        const tresor = await context.tresor();
        const holder = o.user ? { userId: await userId(o.user) } : { groupId: o.group ?? '' };
        await tresor.groups[verb](systemPrincipal, holder, permission);
        context.out(
          `${verb === 'grant' ? 'granted' : 'revoked'} ${permission} ${verb === 'grant' ? 'to' : 'from'} ` +
            `${o.user ?? o.group}`,
        );
      });
  }
}
