/**
 * Values Tresor makes for a secret field that declares a generator. Characters are drawn with
 * `crypto.randomInt`, which is uniform (it rejects the draws that would bias a modulo), every
 * requested class appears at least once, and the positions are shuffled (Fisher–Yates with the
 * same source). Byte formats come straight from `randomBytes`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { type CharacterClass, characterClasses, type Generator } from './field-options.ts';

const alphabets: Record<CharacterClass, string> = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  // Printable, and safe in a shell argument or a connection string once quoted: no quotes, no backslash.
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
};

export const generatorLimits = { minLength: 12, maxLength: 1024, minBytes: 16, maxBytes: 1024 } as const;

/** Why a generator cannot be used, or undefined when it can (checked when a type is registered). */
export function generatorProblem(generator: Generator): string | undefined {
  if ('format' in generator) {
    if (!['base64', 'base64url', 'hex'].includes(generator.format))
      return `generate.format must be base64, base64url or hex, not "${String(generator.format)}"`;
    const { minBytes, maxBytes } = generatorLimits;
    if (!Number.isInteger(generator.bytes) || generator.bytes < minBytes || generator.bytes > maxBytes)
      return `generate.bytes must be a whole number from ${minBytes} to ${maxBytes}`;
    return undefined;
  }
  const { minLength, maxLength } = generatorLimits;
  if (!Number.isInteger(generator.length) || generator.length < minLength || generator.length > maxLength)
    return `generate.length must be a whole number from ${minLength} to ${maxLength}`;
  const classes = generator.classes ?? characterClasses;
  if (classes.length === 0) return 'generate.classes must name at least one class';
  const unknown = classes.find((c) => !(characterClasses as readonly string[]).includes(c));
  if (unknown) return `generate.classes: unknown class "${unknown}" (known: ${characterClasses.join(', ')})`;
  if (classes.length > generator.length) return 'generate.length must be at least the number of classes';
  return undefined;
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)]!;
}

export function generateValue(generator: Generator): string {
  if ('format' in generator) return randomBytes(generator.bytes).toString(generator.format);
  const classes = [...new Set(generator.classes ?? characterClasses)];
  const all = classes.map((c) => alphabets[c]).join('');
  const chars = classes.map((c) => pick(alphabets[c]));
  while (chars.length < generator.length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
