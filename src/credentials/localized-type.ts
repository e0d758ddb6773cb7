/**
 * A credential type in one locale: the texts the author gave in it (or its language), English
 * for the rest, with validation messages (Tresor's and zod's own) in that locale.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors.ts';
import { type Locale, languageOf, sourceLocale } from '../i18n/locale.ts';
import { type Messages, messagesFor } from '../i18n/messages.ts';
import type { CredentialDefinition, FieldDefinition } from './definition.ts';
import { deriveFormModel, type FormModel } from './form-model.ts';
import { localizeDefinition } from './localize.ts';
import { deriveJsonSchema, deriveSchema } from './schemas.derive.ts';
import { textIn } from './texts.ts';

/** A type in one locale: its definition's texts and its validation messages in that locale. */
export interface LocalizedType {
  locale: Locale;
  definition: CredentialDefinition;
  formModel: FormModel;
  jsonSchema: Record<string, unknown>;
  m: Messages;
  /** The issues zod finds in an input, worded in this locale (zod's own messages too). */
  issuesOf(mode: 'create' | 'update', input: unknown): readonly z.core.$ZodIssue[];
}

/** One problem, worded for whichever locale asks (an error is worded in each the type knows). */
export type Problem = (view: LocalizedType) => FieldIssue;

type ZodLocales = Record<string, (() => { localeError: z.core.$ZodErrorMap }) | undefined>;

/** zod's built-in messages (for an author's own zod schema) in `locale`, where zod has them. */
function zodErrorMap(locale: Locale): z.core.$ZodErrorMap | undefined {
  if (locale === sourceLocale) return undefined;
  const locales = z.locales as unknown as ZodLocales;
  return (locales[locale.replace('-', '')] ?? locales[languageOf(locale)])?.().localeError;
}

/** What a localized view is built from: the type's English schemas and models, reused for English. */
interface EnglishType {
  definition: CredentialDefinition;
  createSchema: z.ZodType<Record<string, unknown>>;
  updateSchema: z.ZodType<Record<string, unknown>>;
  formModel: FormModel;
  jsonSchema: Record<string, unknown>;
}

/** Builds the type's view in `locale` (English reuses what the type derived already). */
export function localizedType(type: EnglishType, locale: Locale): LocalizedType {
  const definition = localizeDefinition(type.definition, locale);
  const m = messagesFor(locale);
  const english = locale === sourceLocale;
  const schemas = {
    create: english ? type.createSchema : deriveSchema(definition, 'create', m),
    update: english ? type.updateSchema : deriveSchema(definition, 'update', m),
  };
  const error = zodErrorMap(locale);
  return Object.freeze({
    locale,
    definition,
    formModel: english ? type.formModel : Object.freeze(deriveFormModel(definition)),
    jsonSchema: english ? type.jsonSchema : Object.freeze(deriveJsonSchema(definition)),
    m,
    issuesOf: (mode: 'create' | 'update', input: unknown) =>
      schemas[mode].safeParse(input, error ? { error } : undefined).error?.issues ?? [],
  });
}

/** A field's label in the view's locale. */
export function labelIn(view: LocalizedType, field: FieldDefinition): string {
  return textIn(field.texts.label, view.locale);
}
