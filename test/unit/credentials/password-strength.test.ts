import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  passwordStrength,
  releaseStrengthDictionaries,
  strengthDictionariesLoaded,
} from '../../../src/credentials/password-strength.ts';

const cache = createRequire(import.meta.url).cache;
/** Modules of the packages that hold the dictionaries (a small decompression helper may stay). */
const zxcvbnModules = () =>
  Object.keys(cache).filter((path) => /\/@zxcvbn-ts\/(core|language-common|language-en)\//.test(path));

describe('password strength', () => {
  it('scores passwords and lets its dictionaries go when told, loading them again on the next check', () => {
    expect(passwordStrength('password1').score).toBeLessThanOrEqual(1);
    expect(strengthDictionariesLoaded()).toBe(true);
    expect(zxcvbnModules().length).toBeGreaterThanOrEqual(3);

    releaseStrengthDictionaries();
    expect(strengthDictionariesLoaded()).toBe(false);
    // Nothing left holding them: neither the factory nor a cached module.
    expect(zxcvbnModules()).toEqual([]);

    expect(passwordStrength('correct horse battery staple').score).toBeGreaterThanOrEqual(3);
    expect(strengthDictionariesLoaded()).toBe(true);
  });
});
