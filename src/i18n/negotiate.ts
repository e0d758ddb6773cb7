/** Which locale a reader gets, negotiated in one place: an HTTP `Accept-Language` header, or a CLI's environment. */
import Negotiator from 'negotiator';
import { type Locale, languageOf, sourceLocale } from './locale.ts';

/**
 * Browsers send a handful of entries; the negotiator sorts every entry against every other,
 * so a header of thousands (14 KB) cost up to 125 ms of each unauthenticated request. Only
 * the first entries count, and only while the header is of a sensible length.
 */
const maxEntries = 16;
const maxHeaderLength = 512;

/**
 * The best of `available` for an `Accept-Language` header (quality values respected, a
 * regional tag matching its language), or English.
 */
export function negotiateLocale(header: string | undefined, available: readonly Locale[]): Locale {
  if (!header) return sourceLocale;
  const bounded = header.slice(0, maxHeaderLength).split(',', maxEntries).join(',');
  const wanted = new Negotiator({ headers: { 'accept-language': bounded } }).languages();
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
