/**
 * Locales: BCP 47 tags as type authors write them (`en`, `de`, `pt-BR`). English is the
 * source language: every text has it, and anything missing in another locale falls back
 * to it. No dependencies, so the error hierarchy (loaded by every CLI start) can use it;
 * which locale a request gets is negotiated in `negotiate.ts`.
 */

export type Locale = string;

export const sourceLocale: Locale = 'en';

const localePattern = /^[a-z]{2,3}(-[A-Z][A-Za-z0-9]{1,7})?$/;

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && localePattern.test(value);

/** `pt-BR` → `pt`: a text given for the language serves its regional variants. */
export const languageOf = (locale: Locale): Locale => locale.split('-')[0]!;
