/**
 * The base zod schema for each field style, with the constraint shorthand applied.
 * Messages are phrased for the person filling the form, in the locale of `m`; the field's
 * label is added by the error formatter.
 */

import { z } from 'zod';
import type { Messages } from '../i18n/messages.ts';
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

/** How one locale words the messages: Tresor's catalog and the author's pattern message. */
export interface SchemaWording {
  m: Messages;
  patternMessage: string | undefined;
}

function stringSchema(options: FieldOptions, c: FieldConstraints, style: FieldStyle, w: SchemaWording): z.ZodString {
  const { m } = w;
  let schema = z.string({ error: m.mustBeText });
  if (style !== 'secret' && style !== 'multiline' && style !== 'pem') schema = schema.trim();
  const minLength = c.minLength ?? (options.optional === true || options.default !== undefined ? undefined : 1);
  if (minLength !== undefined)
    schema = schema.min(minLength, minLength === 1 ? m.notEmpty : m.atLeastCharacters(minLength));
  if (c.maxLength !== undefined) schema = schema.max(c.maxLength, m.atMostCharacters(c.maxLength));
  if (options.pattern) schema = schema.regex(options.pattern, w.patternMessage ?? m.mustMatch(options.pattern.source));
  return schema;
}

function urlSchema(options: FieldOptions, c: FieldConstraints, w: SchemaWording): z.ZodType {
  const protocols = c.protocols ?? ['http', 'https'];
  return stringSchema(options, c, 'url', w).refine(
    (value) => {
      try {
        const url = new URL(value);
        return protocols.some((p) => `${p}:` === url.protocol);
      } catch {
        return false;
      }
    },
    { message: w.m.webAddress(protocols.map((p) => `${p}://`).join(` ${w.m.or} `)) },
  );
}

function pairsSchema(c: FieldConstraints, m: Messages): z.ZodType {
  return z
    .array(
      z.object({
        name: z.string({ error: m.mustBeText }).trim().regex(pairName, m.pairName),
        value: z
          .string({ error: m.mustBeText })
          .min(1, m.notEmpty)
          .max(c.maxLength ?? 10_000, m.atMostCharacters(c.maxLength ?? 10_000)),
      }),
      { error: m.pairList },
    )
    .min(1, m.atLeastOnePair)
    .max(200, m.atMostPairs(200))
    .superRefine((pairs, ctx) => {
      const seen = new Set<string>();
      pairs.forEach((pair, index) => {
        if (seen.has(pair.name))
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: m.usedTwice(pair.name) });
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
  w: SchemaWording,
): z.ZodType {
  if (options.schema) return options.schema;
  const { m } = w;
  switch (style) {
    case 'text':
    case 'secret':
    case 'multiline':
      return stringSchema(options, c, style, w);
    case 'email':
      return z.email({ error: m.email }).max(c.maxLength ?? 320);
    case 'url':
      return urlSchema(options, c, w);
    case 'pem':
      return stringSchema(options, c, style, w).refine((text) => pemBlocks(text).length > 0, m.pem);
    case 'date':
      return z.iso.date({ error: m.date });
    case 'checkbox':
      return z.boolean({ error: m.boolean });
    case 'select':
      return z.enum(optionValues as [string, ...string[]], { error: m.oneOf(optionValues.join(', ')) });
    case 'pairs':
      return pairsSchema(c, m);
    case 'secretRef':
      return (
        z
          .string({ error: m.secretName })
          .trim()
          // A name, or `space/name`.
          .regex(/^(?:[A-Za-z0-9_.-]{1,64}\/)?[A-Za-z0-9_.-]{1,64}$/, m.secretNameChars)
      );
    case 'number': {
      let schema = z.number({ error: m.number });
      if (c.integer) schema = schema.int(m.wholeNumber);
      if (c.min !== undefined) schema = schema.min(c.min, m.atLeast(c.min));
      if (c.max !== undefined) schema = schema.max(c.max, m.atMost(c.max));
      return schema;
    }
  }
}
