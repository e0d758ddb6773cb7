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
let factory: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  if (!factory) {
    const { ZxcvbnFactory } = load('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = load('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    const english = load('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
    factory = new ZxcvbnFactory({
      translations: english.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...english.dictionary },
    });
  }
  return factory;
}

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
