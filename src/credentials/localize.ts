/**
 * A definition in another locale: the same type with its texts (name, description, labels,
 * help, placeholders, option labels) and its fields' validation messages in that locale,
 * each falling back to English where the author gave none. Everything derived from a
 * definition (form model, zod schemas, JSON Schema, field messages) then speaks it.
 */
import { type Locale, sourceLocale } from '../i18n/locale.ts';
import type { CredentialDefinition, FieldDefinition } from './definition.ts';
import { textIn } from './texts.ts';

function localizeField(field: FieldDefinition, locale: Locale): FieldDefinition {
  const { texts } = field;
  return Object.freeze({
    ...field,
    label: textIn(texts.label, locale),
    help: textIn(texts.help, locale),
    placeholder: textIn(texts.placeholder, locale),
    options: field.options
      ? Object.freeze(
          field.options.map((o) => {
            const label = texts.options?.[o.value];
            return Object.freeze({ value: o.value, label: label ? textIn(label, locale) : o.label });
          }),
        )
      : undefined,
    valueSchema: field.valueSchemaIn(locale),
  });
}

export function localizeDefinition<T extends object>(
  definition: CredentialDefinition<T>,
  locale: Locale,
): CredentialDefinition<T> {
  if (locale === sourceLocale) return definition;
  return Object.freeze({
    ...definition,
    name: textIn(definition.texts.name, locale),
    description: textIn(definition.texts.description, locale),
    fields: Object.freeze(definition.fields.map((f) => localizeField(f, locale))),
  });
}
