/**
 * Password strength (zxcvbn-ts, with the common and English dictionaries), built once on
 * first use because the dictionaries are large. The feedback it returns is generic advice
 * and never repeats the password.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

let factory: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  });
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
