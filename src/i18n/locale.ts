/**
 * Locales: BCP 47 tags as type authors write them (`en`, `de`, `pt-BR`). English is the
 * source language: every text has it, and anything missing in another locale falls back
 * to it. Which locale a request gets is negotiated here, in one place.
 */
import Negotiator from 'negotiator';

export type Locale = string;

export const sourceLocale: Locale = 'en';

const localePattern = /^[a-z]{2,3}(-[A-Z][A-Za-z0-9]{1,7})?$/;

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && localePattern.test(value);

/** `pt-BR` → `pt`: a text given for the language serves its regional variants. */
export const languageOf = (locale: Locale): Locale => locale.split('-')[0]!;

/**
 * The best of `available` for an `Accept-Language` header (quality values respected, a
 * regional tag matching its language), or English.
 */
export function negotiateLocale(header: string | undefined, available: readonly Locale[]): Locale {
  if (!header) return sourceLocale;
  const wanted = new Negotiator({ headers: { 'accept-language': header } }).languages();
  for (const tag of wanted) {
    const exact = available.find((l) => l.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const language = available.find((l) => l === languageOf(tag.toLowerCase()));
    if (language) return language;
  }
  return sourceLocale;
}

/** The CLI's locale from the environment, as POSIX tools read it (`de_DE.UTF-8` → `de`); `C`/`POSIX` are English. */
export function localeFromEnvironment(env: NodeJS.ProcessEnv, available: readonly Locale[]): Locale {
  const raw = env.TRESOR_LOCALE || env.LC_ALL || env.LC_MESSAGES || env.LANG;
  if (!raw || raw === 'C' || raw === 'POSIX') return sourceLocale;
  const tag = raw.split('.')[0]!.replace('_', '-');
  return negotiateLocale(tag, available);
}
