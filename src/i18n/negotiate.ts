/** Which locale a reader gets, negotiated in one place: an HTTP `Accept-Language` header, or a CLI's environment. */
import Negotiator from 'negotiator';
import { type Locale, languageOf, sourceLocale } from './locale.ts';

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
