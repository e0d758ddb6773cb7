/** `tresor types`: the registered credential types, as a table or as JSON for tools. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function typesCommand(program: Command, context: CliContext): void {
  program
    .command('types')
    .description('list the registered credential types')
    .option('--json', 'print id, name, description, logo, form model and JSON schema of each type')
    .action(async (options: { json?: boolean }) => {
      const registry = await context.registry();
      const types = registry.list();
      if (options.json) {
        const out = types.map((t) => ({
          id: t.id,
          name: t.definition.name,
          description: t.definition.description,
          logo: t.definition.logo,
          sharing: t.definition.sharing ?? null,
          formModel: t.formModel,
          jsonSchema: t.jsonSchema,
        }));
        context.out(JSON.stringify(out, null, 2));
        return;
      }
      const width = Math.max(...types.map((t) => t.id.length), 2);
      context.out(`${'ID'.padEnd(width)}  NAME`);
      for (const t of types) context.out(`${t.id.padEnd(width)}  ${t.definition.name} — ${t.definition.description}`);
    });
}
