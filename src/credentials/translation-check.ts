/**
 * What a type's texts lack in a locale: `tresor types --check-translations` lists it, so a
 * translator (or CI) sees every label, help text, option label… that would fall back to
 * English. The locales checked are the ones asked for, or every locale any type or Tresor
 * itself speaks.
 */
import { type Locale, sourceLocale } from '../i18n/locale.ts';
import { frameworkLocales } from '../i18n/messages.ts';
import type { CredentialType } from './credential-type.ts';
import { type Translations, translatedInto } from './texts.ts';

export interface MissingTranslation {
  type: string;
  locale: Locale;
  /** Where the text is: `name`, `description`, `fields.host.label`, `fields.security.options.none`… */
  text: string;
  english: string;
}

function textsOf(type: CredentialType): [string, Translations][] {
  const { texts, fields } = type.definition;
  const out: [string, Translations][] = [
    ['name', texts.name],
    ['description', texts.description],
  ];
  for (const field of fields) {
    const at = `fields.${field.key}`;
    const { label, help, placeholder, patternMessage, options } = field.texts;
    out.push([`${at}.label`, label]);
    if (help) out.push([`${at}.help`, help]);
    if (placeholder) out.push([`${at}.placeholder`, placeholder]);
    if (patternMessage) out.push([`${at}.patternMessage`, patternMessage]);
    for (const [value, text] of Object.entries(options ?? {})) out.push([`${at}.options.${value}`, text]);
  }
  return out;
}

/** Every locale worth checking: Tresor's own and each one a type gives any text in. */
export function knownLocales(types: readonly CredentialType[]): Locale[] {
  const all = new Set<Locale>(frameworkLocales);
  for (const type of types) for (const locale of type.definition.locales) all.add(locale);
  all.delete(sourceLocale);
  return [...all].sort();
}

export function missingTranslations(
  types: readonly CredentialType[],
  locales: readonly Locale[] = knownLocales(types),
): MissingTranslation[] {
  const missing: MissingTranslation[] = [];
  for (const type of types)
    for (const locale of locales)
      for (const [text, translations] of textsOf(type))
        if (!translatedInto(translations, locale))
          missing.push({ type: type.id, locale, text, english: translations.en });
  return missing;
}
