/** Views of a stored payload: with defaults, without secrets, which secret fields hold a value. */
import type { CredentialDefinition } from './definition.ts';
import type { FieldValue, Payload } from './field-options.ts';

/** What a non-secret view of a payload holds: secret fields are absent, secret pairs keep only their names. */
export type PublicFields = Record<string, FieldValue>;

/** The payload with each absent field's default (fields added to the type after it was stored). */
export function withDefaults(definition: CredentialDefinition, payload: Payload): Payload {
  const complete: Payload = {};
  for (const field of definition.fields) {
    const value = payload[field.key] ?? field.default;
    if (value !== undefined) complete[field.key] = value;
  }
  return complete;
}

/** The secret fields that hold a value: their names, never the values (a page marks only these as sealed). */
export function sealedFields(definition: CredentialDefinition, payload: Payload): string[] {
  return definition.fields
    .filter((f) => f.secret && payload[f.key] !== undefined && payload[f.key] !== null && payload[f.key] !== '')
    .map((f) => f.key);
}

/** The payload without secrets: what a store view, a form or an API response may show. */
export function publicFields(definition: CredentialDefinition, payload: Payload): PublicFields {
  const out: PublicFields = {};
  for (const field of definition.fields) {
    const value = payload[field.key] ?? field.default;
    if (value === undefined) continue;
    if (!field.secret) out[field.key] = structuredClone(value);
    else if (field.style === 'pairs' && Array.isArray(value))
      out[field.key] = value.map((p) => ({ name: p.name, value: '' }));
  }
  return out;
}

/** Parsed data as a payload: absent and null fields are not stored. */
export function withoutAbsent(data: Record<string, unknown>): Payload {
  const out: Payload = {};
  for (const [key, value] of Object.entries(data))
    if (value !== undefined && value !== null) out[key] = value as FieldValue;
  return out;
}
