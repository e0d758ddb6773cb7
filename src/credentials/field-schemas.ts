/**
 * The base zod schema for each field style, with the constraint shorthand applied.
 * Messages are phrased for the person filling the form; the field's label is added by
 * the error formatter.
 */

import { z } from 'zod';
import type { FieldConstraints } from './definition.ts';
import type { FieldOptions, FieldStyle } from './field-options.ts';
import { pemBlocks } from './key-cost.ts';

/** Generous upper bounds so a single field cannot be used to fill the database. */
const defaultMaxLength: Record<FieldStyle, number> = {
  text: 1_000,
  secret: 10_000,
  multiline: 100_000,
  number: 0,
  select: 0,
  checkbox: 0,
  date: 0,
  url: 2_000,
  email: 320,
  pem: 100_000,
  pairs: 10_000,
  secretRef: 64,
};

const pairName = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

function stringSchema(options: FieldOptions, c: FieldConstraints, style: FieldStyle): z.ZodString {
  let schema = z.string({ error: 'must be text' });
  if (style !== 'secret' && style !== 'multiline' && style !== 'pem') schema = schema.trim();
  const minLength = c.minLength ?? (options.optional === true || options.default !== undefined ? undefined : 1);
  if (minLength !== undefined)
    schema = schema.min(minLength, minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters`);
  if (c.maxLength !== undefined) schema = schema.max(c.maxLength, `must be at most ${c.maxLength} characters`);
  if (options.pattern)
    schema = schema.regex(options.pattern, options.patternMessage ?? `must match ${options.pattern.source}`);
  return schema;
}

function urlSchema(options: FieldOptions, c: FieldConstraints): z.ZodType {
  const protocols = c.protocols;
  return stringSchema(options, c, 'url').refine(
    (value) => {
      try {
        const url = new URL(value);
        return protocols === undefined
          ? ['http:', 'https:'].includes(url.protocol)
          : protocols.some((p) => `${p}:` === url.protocol);
      } catch {
        return false;
      }
    },
    {
      message:
        protocols === undefined
          ? 'must be a web address starting with http:// or https://'
          : `must be a web address starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    },
  );
}

function pairsSchema(c: FieldConstraints): z.ZodType {
  return z
    .array(
      z.object({
        name: z
          .string({ error: 'must be text' })
          .trim()
          .regex(pairName, 'must start with a letter or _ and use only letters, digits, _ . -'),
        value: z
          .string({ error: 'must be text' })
          .min(1, 'must not be empty')
          .max(c.maxLength ?? 10_000, `must be at most ${c.maxLength ?? 10_000} characters`),
      }),
      { error: 'must be a list of name/value pairs' },
    )
    .min(1, 'add at least one name/value pair')
    .max(200, 'must have at most 200 pairs')
    .superRefine((pairs, ctx) => {
      const seen = new Set<string>();
      pairs.forEach((pair, index) => {
        if (seen.has(pair.name))
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${pair.name}" is used twice` });
        seen.add(pair.name);
      });
    });
}

/** The constraint shorthand as plain data, for forms and JSON schema. */
export function constraintsOf(options: FieldOptions, style: FieldStyle): FieldConstraints {
  const c: FieldConstraints = {};
  if (options.min !== undefined) c.min = options.min;
  if (options.max !== undefined) c.max = options.max;
  if (options.integer !== undefined) c.integer = options.integer;
  if (options.minLength !== undefined) c.minLength = options.minLength;
  const maxLength = options.maxLength ?? (defaultMaxLength[style] || undefined);
  if (maxLength !== undefined) c.maxLength = maxLength;
  if (options.pattern !== undefined) c.pattern = options.pattern.source;
  if (options.protocols !== undefined) c.protocols = [...options.protocols];
  return c;
}

/** The schema a present value of this field must satisfy. */
export function valueSchemaOf(
  options: FieldOptions,
  style: FieldStyle,
  c: FieldConstraints,
  optionValues: readonly string[],
): z.ZodType {
  if (options.schema) return options.schema;
  switch (style) {
    case 'text':
    case 'secret':
    case 'multiline':
      return stringSchema(options, c, style);
    case 'email':
      return z.email({ error: 'must be an e-mail address like name@example.com' }).max(c.maxLength ?? 320);
    case 'url':
      return urlSchema(options, c);
    case 'pem':
      return stringSchema(options, c, style).refine(
        (text) => pemBlocks(text).length > 0,
        'must be PEM text starting with -----BEGIN …-----',
      );
    case 'date':
      return z.iso.date({ error: 'must be a date as YYYY-MM-DD' });
    case 'checkbox':
      return z.boolean({ error: 'must be true or false' });
    case 'select':
      return z.enum(optionValues as [string, ...string[]], { error: `must be one of: ${optionValues.join(', ')}` });
    case 'pairs':
      return pairsSchema(c);
    case 'secretRef':
      return z
        .string({ error: 'must be the name of a secret' })
        .trim()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be the name of a secret (letters, digits, _ - .)');
    case 'number': {
      let schema = z.number({ error: 'must be a number' });
      if (c.integer) schema = schema.int('must be a whole number');
      if (c.min !== undefined) schema = schema.min(c.min, `must be at least ${c.min}`);
      if (c.max !== undefined) schema = schema.max(c.max, `must be at most ${c.max}`);
      return schema;
    }
  }
}
