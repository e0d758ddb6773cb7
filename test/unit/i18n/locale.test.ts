import { describe, expect, it } from 'vitest';
import { localeFromEnvironment, negotiateLocale } from '../../../src/i18n/negotiate.ts';

describe('choosing a locale', () => {
  const available = ['en', 'de'];

  it('follows Accept-Language with its quality values, a regional tag matching its language', () => {
    expect(negotiateLocale('de-DE,de;q=0.9,en;q=0.8', available)).toBe('de');
    expect(negotiateLocale('en;q=0.5, de', available)).toBe('de');
    expect(negotiateLocale('de-AT', available)).toBe('de');
    expect(negotiateLocale('en-GB,de;q=0.1', available)).toBe('en');
    expect(negotiateLocale('fr, ja;q=0.5', available)).toBe('en');
    expect(negotiateLocale(undefined, available)).toBe('en');
  });

  it('reads only the first entries of a huge Accept-Language header (14 KB cost each request 125 ms)', () => {
    const huge = `${Array.from({ length: 2000 }, (_, i) => `x${i};q=0.${i % 9}`).join(',')},de;q=1`;
    expect(huge.length).toBeGreaterThan(14_000);
    // `de` comes after the entries that count: not read.
    expect(negotiateLocale(huge, available)).toBe('en');
    expect(negotiateLocale(`de,${huge}`, available)).toBe('de');
  });

  it('reads the CLI locale from the environment as POSIX tools do', () => {
    expect(localeFromEnvironment({ LANG: 'de_DE.UTF-8' }, available)).toBe('de');
    expect(localeFromEnvironment({ LANG: 'de_DE.UTF-8', LC_ALL: 'C' }, available)).toBe('en');
    expect(localeFromEnvironment({ LANG: 'en_US.UTF-8', TRESOR_LOCALE: 'de' }, available)).toBe('de');
    expect(localeFromEnvironment({}, available)).toBe('en');
  });
});
