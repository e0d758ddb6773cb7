/**
 * Password strength (zxcvbn-ts, with the common and English dictionaries), built once on
 * first use because the dictionaries are large. The feedback it returns is generic advice
 * and never repeats the password.
 */
import { createRequire } from 'node:module';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

// Loaded on first use, not at start-up (their dictionaries cost ~60 ms and several MB to
// load): required synchronously, because strength is checked inside synchronous validation.
const load = createRequire(import.meta.url);
const packages = ['@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en'] as const;
let factory: ZxcvbnFactory | undefined;

/**
 * Passwords are set seldom (the first administrator, a reset, a password secret), and the
 * dictionaries hold ~50 MB of a process that otherwise idles near 230 MB (measured): after a
 * minute without a check they are let go — the factory and the module cache entries holding
 * them — and the next check loads them again.
 */
const IDLE_RELEASE_MS = 60_000;
let releaseTimer: NodeJS.Timeout | undefined;

/** Lets the dictionaries go: the factory, and every module of the three packages in the require cache. */
export function releaseStrengthDictionaries(): void {
  factory = undefined;
  clearTimeout(releaseTimer);
  releaseTimer = undefined;
  for (const name of packages) {
    const entry = load.resolve(name);
    const root = entry.slice(0, entry.indexOf(name) + name.length + 1);
    for (const key of Object.keys(load.cache)) if (key.startsWith(root)) delete load.cache[key];
  }
}

function zxcvbn(): ZxcvbnFactory {
  if (!factory) {
    const { ZxcvbnFactory } = load(packages[0]) as typeof import('@zxcvbn-ts/core');
    const common = load(packages[1]) as typeof import('@zxcvbn-ts/language-common');
    const english = load(packages[2]) as typeof import('@zxcvbn-ts/language-en');
    factory = new ZxcvbnFactory({
      translations: english.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...english.dictionary },
    });
  }
  if (releaseTimer) releaseTimer.refresh();
  else releaseTimer = setTimeout(releaseStrengthDictionaries, IDLE_RELEASE_MS).unref();
  return factory;
}

/** Whether the dictionaries are held now (for tests). */
export const strengthDictionariesLoaded = () => factory !== undefined;

export interface Strength {
  /** 0 (guessable in seconds) to 4 (very unguessable). */
  score: number;
  hint: string | undefined;
}

/** `related` are words the password should not lean on, e.g. the username. */
export function passwordStrength(password: string, related: readonly string[] = []): Strength {
  // zxcvbn's cost grows with length; the first 128 characters decide the score anyway.
  const result = zxcvbn().check(password.slice(0, 128), [...related]);
  const hint = result.feedback.warning ?? result.feedback.suggestions[0] ?? undefined;
  return { score: result.score, hint: hint ?? undefined };
}
