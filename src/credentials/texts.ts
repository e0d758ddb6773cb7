/**
 * Texts a type author writes (labels, help, names, descriptions, option labels, validation
 * messages): a plain string is English; an object gives it per locale, English required,
 * e.g. `{ en: 'Host', de: 'Server' }`. Reading a text in a locale falls back from the
 * regional tag to its language, then to English.
 */
import { type Locale, languageOf, sourceLocale } from '../i18n/locale.ts';

export type Translations = { readonly en: string } & { readonly [locale: string]: string };

export type Text = string | Translations;

export function translationsOf(text: Text): Translations {
  return typeof text === 'string' ? { en: text } : text;
}

/** The text in `locale`, or the nearest fallback. */
export function textIn(text: Text, locale: Locale): string;
export function textIn(text: Text | undefined, locale: Locale): string | undefined;
export function textIn(text: Text | undefined, locale: Locale): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  return text[locale] ?? text[languageOf(locale)] ?? text.en;
}

/** Whether the text is given in `locale` itself (or its language), not only by fallback. */
export function translatedInto(text: Text, locale: Locale): boolean {
  if (locale === sourceLocale) return true;
  return typeof text !== 'string' && (text[locale] !== undefined || text[languageOf(locale)] !== undefined);
}

/** The locales a text is given in, English included. */
export function localesOfText(text: Text | undefined): Locale[] {
  if (text === undefined) return [];
  return typeof text === 'string' ? [sourceLocale] : Object.keys(text);
}
