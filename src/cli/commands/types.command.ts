/** `tresor types`: the registered credential types, as a table or as JSON for tools, in a chosen locale. */
import { type Command, InvalidArgumentError } from 'commander';
import { isLocale } from '../../i18n/locale.ts';
import { localeFromEnvironment } from '../../i18n/negotiate.ts';
import type { CliContext } from '../context.ts';
import { exitCodes } from '../exit-codes.ts';

interface TypesOptions {
  json?: boolean;
  locale?: string;
  checkTranslations?: boolean;
}

export function typesCommand(program: Command, context: CliContext): void {
  program
    .command('types')
    .description('list the registered credential types')
    .option('--json', 'print id, name, description, logo, form model and JSON schema of each type')
    .option(
      '--locale <locale>',
      'texts in this locale, e.g. de (default: TRESOR_LOCALE, LC_ALL or LANG; English)',
      (value: string) => {
        if (!isLocale(value)) throw new InvalidArgumentError(`"${value}" is not a locale like de or pt-BR.`);
        return value;
      },
    )
    .option('--check-translations', 'list the texts that fall back to English (in --locale, or every known locale)')
    .action(async (options: TypesOptions) => {
      const registry = await context.registry();
      const types = registry.list();
      if (options.checkTranslations) {
        const { missingTranslations } = await import('../../credentials/translation-check.ts');
        const missing = missingTranslations(types, options.locale ? [options.locale] : undefined);
        if (options.json) context.out(JSON.stringify(missing, null, 2));
        else if (missing.length === 0) context.out('Every text of every type is translated.');
        else for (const m of missing) context.out(`${m.locale}  ${m.type}  ${m.text}  (English: ${m.english})`);
        if (missing.length > 0) context.exitCode = exitCodes.translationsMissing;
        return;
      }
      const locale =
        options.locale ?? localeFromEnvironment(context.env, [...new Set(types.flatMap((t) => t.locales))]);
      const views = types.map((t) => ({ type: t, view: t.in(locale) }));
      if (options.json) {
        const out = views.map(({ type, view }) => ({
          id: type.id,
          name: view.definition.name,
          description: view.definition.description,
          logo: type.definition.logo,
          sharing: type.definition.sharing ?? null,
          formModel: view.formModel,
          jsonSchema: view.jsonSchema,
        }));
        context.out(JSON.stringify(out, null, 2));
        return;
      }
      const width = Math.max(...types.map((t) => t.id.length), 2);
      context.out(`${'ID'.padEnd(width)}  NAME`);
      for (const { type, view } of views)
        context.out(`${type.id.padEnd(width)}  ${view.definition.name} — ${view.definition.description}`);
    });
}
