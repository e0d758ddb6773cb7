/**
 * Derives the zod schemas of a credential type from its definition:
 * - create: required fields required, defaults applied, unknown fields refused;
 * - update: as create, except that every secret field may be left empty (empty = keep the
 *   stored value) and an optional secret may be set to null (= remove it).
 * Blank input of a non-secret optional field counts as absent, as a form would send it.
 */
import { z } from 'zod';
import type { Messages } from '../i18n/messages.ts';
import type { CredentialDefinition, FieldDefinition } from './definition.ts';
import { hasConditions, shownFields, withoutHidden } from './show-when.ts';

type Mode = 'create' | 'update';

const isBlank = (value: unknown): boolean => value === null || (typeof value === 'string' && value.trim() === '');

function blankAsAbsent(schema: z.ZodType): z.ZodType {
  return z.preprocess((value) => (isBlank(value) ? undefined : value), schema);
}

/** In an update, a secret pair may keep its stored value by leaving `value` empty. */
function pairsKeepingValues(field: FieldDefinition, m: Messages): z.ZodType {
  const max = field.constraints.maxLength ?? 10_000;
  return z
    .array(
      z.object({
        name: z.string({ error: m.mustBeText }).trim().min(1, m.notEmpty),
        value: z.string({ error: m.mustBeText }).max(max, m.atMostCharacters(max)),
      }),
      { error: m.pairList },
    )
    .min(1, m.atLeastOnePair)
    .max(200, m.atMostPairs(200));
}

function fieldInputSchema(field: FieldDefinition, mode: Mode, m: Messages): z.ZodType {
  if (mode === 'update' && field.secret) {
    if (field.style === 'pairs')
      return z.preprocess((v) => (v === '' ? undefined : v), pairsKeepingValues(field, m).optional());
    // '' and absent keep the stored value; null removes an optional secret.
    const keepOrNew = z.preprocess((v) => (v === '' ? undefined : v), field.valueSchema.optional());
    return field.optional ? z.union([z.null(), keepOrNew]) : keepOrNew;
  }
  // `as never`: default() is typed by the schema's output type, unknown here; the builder checked the default against
  // this very schema.
  if (field.default !== undefined) return blankAsAbsent(field.valueSchema.default(field.default as never));
  if (field.optional) return blankAsAbsent(field.valueSchema.optional());
  return field.valueSchema;
}

/** `definition` and `m` in the same locale: the field schemas carry its messages. */
export function deriveSchema(
  definition: CredentialDefinition,
  mode: Mode,
  m: Messages,
): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const field of definition.fields) {
    const schema = fieldInputSchema(field, mode, m);
    // A conditional field is required only where it is shown: checked below, on the whole object.
    shape[field.key] = field.showWhen ? schema.optional() : schema;
  }
  const object = z.strictObject(shape, { error: m.mustBeObject });
  if (!hasConditions(definition)) return object;
  const required = definition.fields.filter((f) => f.showWhen && !f.optional && !(mode === 'update' && f.secret));
  // Hidden fields are dropped before anything is validated: what the form does not show is not judged.
  return z.preprocess(
    (input) => withoutHidden(definition, input),
    object.superRefine((data, context) => {
      const shown = shownFields(definition, data);
      for (const field of required)
        if (shown.has(field.key) && data[field.key] === undefined)
          context.addIssue({ code: 'custom', path: [field.key], message: m.required });
    }),
  );
}

/** The JSON Schema of a create payload; secret fields are marked `writeOnly`. */
export function deriveJsonSchema(definition: CredentialDefinition): Record<string, unknown> {
  const shape: Record<string, z.ZodType> = {};
  for (const field of definition.fields) {
    let schema: z.ZodType = field.valueSchema;
    if (field.default !== undefined)
      schema = schema.default(field.default as never); // see fieldInputSchema
    else if (field.optional) schema = schema.optional();
    shape[field.key] = schema.meta({
      title: field.label,
      ...(field.help === undefined ? {} : { description: field.help }),
      ...(field.secret ? { writeOnly: true } : {}),
      'x-tresor-style': field.style,
    });
  }
  const object = z
    .strictObject(shape)
    .meta({ title: definition.name, description: definition.description, 'x-tresor-type': definition.id });
  const json = z.toJSONSchema(object, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return hasConditions(definition) ? withConditions(definition, json) : json;
}

/**
 * showWhen in JSON Schema: a conditional field is left out of `required` and gets an
 * `if`/`then` per field (`then` requires it when the condition holds). A controlling field
 * whose default is not among the values must be present for the condition to hold.
 */
function withConditions(definition: CredentialDefinition, json: Record<string, unknown>): Record<string, unknown> {
  const conditional = definition.fields.filter((f) => f.showWhen);
  const keys = new Set(conditional.map((f) => f.key));
  const required = ((json.required as string[] | undefined) ?? []).filter((key) => !keys.has(key));
  const byKey = new Map(definition.fields.map((f) => [f.key, f]));
  const allOf = conditional
    .filter((f) => !f.optional)
    .map((field) => {
      const entries = Object.entries(field.showWhen!);
      const needed = entries
        .filter(([key, values]) => {
          const fallback = byKey.get(key)!.default;
          return fallback === undefined || !values.some((v) => String(v) === String(fallback));
        })
        .map(([key]) => key);
      return {
        if: {
          properties: Object.fromEntries(entries.map(([key, values]) => [key, { enum: [...values] }])),
          ...(needed.length > 0 ? { required: needed } : {}),
        },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's keyword is named then.
        then: { required: [field.key] },
      };
    });
  return { ...json, required, ...(allOf.length > 0 ? { allOf } : {}) };
}
