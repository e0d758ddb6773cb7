/**
 * Which fields a set of values shows (`showWhen`): one rule for the zod schemas, the update
 * merge and the form script's data, so the server validates exactly what the form shows.
 * A controlling field left out or blank counts with its default; a field hidden itself shows
 * nothing that depends on it.
 */
import type { CredentialDefinition, FieldDefinition } from './definition.ts';

const blank = (value: unknown) => value === undefined || value === null || value === '';

/** Values compare as text: a form sends "587" and `true` as text, the API sends numbers and booleans. */
const same = (a: unknown, b: unknown) => String(a) === String(b);

/** The keys of the fields `values` shows. */
export function shownFields(definition: CredentialDefinition, values: Record<string, unknown>): Set<string> {
  const byKey = new Map(definition.fields.map((f) => [f.key, f]));
  const memo = new Map<string, boolean>();
  const shown = (field: FieldDefinition): boolean => {
    const known = memo.get(field.key);
    if (known !== undefined) return known;
    // The builder refused cycles, so this recursion ends.
    const result = Object.entries(field.showWhen ?? {}).every(([key, allowed]) => {
      const controller = byKey.get(key)!;
      if (!shown(controller)) return false;
      const value = blank(values[key]) ? controller.default : values[key];
      return value !== undefined && allowed.some((candidate) => same(candidate, value));
    });
    memo.set(field.key, result);
    return result;
  };
  return new Set(definition.fields.filter(shown).map((f) => f.key));
}

export const hasConditions = (definition: CredentialDefinition) => definition.fields.some((f) => f.showWhen);

/** `input` without the fields it does not show (anything else is left for validation to judge). */
export function withoutHidden(definition: CredentialDefinition, input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const values = input as Record<string, unknown>;
  const shown = shownFields(definition, values);
  const hidden = new Set(definition.fields.filter((f) => !shown.has(f.key)).map((f) => f.key));
  return Object.fromEntries(Object.entries(values).filter(([key]) => !hidden.has(key)));
}
