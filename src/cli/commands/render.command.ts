/** `tresor render FILE`: a configuration file with {{ secret('name') }} references resolved (local mode). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';
import type { CliContext } from '../context.ts';

export function renderCommand(program: Command, context: CliContext): void {
  program
    .command('render <file>')
    .description("print FILE with {{ secret('name') }} references resolved, for a principal's modules")
    .option('--as <email>', 'resolve as this user')
    .option('--group <name>', 'resolve as this group (default: system)')
    .option('--check', 'only check the references; print problems, resolve nothing')
    .action(async (file: string, o: { as?: string; group?: string; check?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw ValidationError.field('file', `Cannot read ${file}`);
      }
      const tresor = await context.tresor();
      let principal: Principal;
      if (o.as) {
        const user = await tresor.users.findByEmail(o.as);
        if (!user) throw new NotFoundError(`No user ${o.as}`);
        principal = { kind: 'user', id: user.id };
      } else principal = await tresor.moduleContext.groupPrincipal(o.group ?? 'system');
      if (o.check) {
        const issues = await tresor.expressions.check(text, { as: principal });
        if (issues.length > 0) throw new ValidationError(issues, `${file} has bad references`);
        return context.out(`${file}: every reference is usable`);
      }
      process.stdout.write(await tresor.expressions.render(text, { as: principal, module: 'cli-render' }));
    });
}
