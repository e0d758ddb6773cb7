/**
 * fast-check arbitraries derived from a credential type's definition: valid payloads for
 * any type whose fields have no cross-field hook, and corruptions that must be refused.
 */
import fc from 'fast-check';
import type { CredentialType, FieldDefinition, FieldValue, Payload } from '../../src/credentials/index.ts';

const trimmed = (max: number) =>
  fc
    .string({ minLength: 1, maxLength: Math.min(max, 60), unit: 'grapheme' })
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export function validValue(field: FieldDefinition): fc.Arbitrary<FieldValue> {
  const c = field.constraints;
  switch (field.style) {
    case 'text':
      return c.pattern
        ? fc
            .stringMatching(new RegExp(c.pattern))
            .filter((s) => s.length >= 1 && s.length <= (c.maxLength ?? 1000) && s.trim() === s)
        : trimmed(c.maxLength ?? 1000);
    case 'secret':
    case 'multiline':
      return fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' });
    case 'number':
      return c.integer
        ? fc.integer({ min: c.min ?? -1e9, max: c.max ?? 1e9 })
        : fc.double({ min: c.min ?? -1e9, max: c.max ?? 1e9, noNaN: true });
    case 'select':
      return fc.constantFrom(...(field.options ?? []).map((o) => o.value));
    case 'checkbox':
      return fc.boolean();
    case 'date':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc
        .stringMatching(/^[a-z0-9][a-z0-9._-]{0,15}@[a-z][a-z0-9-]{0,15}\.[a-z]{2,6}$/)
        .filter((s) => !/\.\.|\.@|-\./.test(s));
    case 'url': {
      const protocols = c.protocols ?? ['https', 'http'];
      return fc
        .tuple(fc.constantFrom(...protocols), fc.domain(), fc.webPath())
        .map(([p, d, path]) => `${p}://${d}${path}`);
    }
    case 'pairs':
      return fc
        .uniqueArray(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,20}$/), { minLength: 1, maxLength: 8 })
        .chain((names) =>
          fc.tuple(
            ...names.map((name) => fc.string({ minLength: 1, maxLength: 40 }).map((value) => ({ name, value }))),
          ),
        );
    case 'pem':
      return fc.constant('-----BEGIN THING-----\nQUJD\n-----END THING-----');
    case 'secretRef':
      return fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
  }
}

export function validPayload(type: CredentialType): fc.Arbitrary<Payload> {
  const entries: Record<string, fc.Arbitrary<FieldValue | undefined>> = {};
  for (const field of type.definition.fields)
    entries[field.key] = field.optional ? fc.option(validValue(field), { nil: undefined }) : validValue(field);
  return fc
    .record(entries)
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Payload);
}

/** A value of the wrong kind for the field's style (a string where a number goes, and so on). */
export function wrongValue(field: FieldDefinition): fc.Arbitrary<unknown> {
  // Blank strings are excluded: for an optional field a blank input means "absent", which is valid.
  const text = fc.string({ minLength: 1 }).filter((s) => s.trim() !== '');
  const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.constant([1, 2]));
  switch (field.style) {
    case 'number':
      return fc.oneof(text, fc.boolean(), fc.constant({}));
    case 'checkbox':
      return fc.oneof(text, fc.integer());
    case 'select':
      return fc.string().filter((s) => !(field.options ?? []).some((o) => o.value === s.trim()) && s.trim() !== '');
    case 'date':
      return fc.oneof(
        text.filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)),
        fc.integer(),
      );
    case 'pairs':
      return fc.oneof(text, fc.constant([{ name: 'ok' }]), fc.constant([{ name: '9bad', value: 'v' }]));
    default:
      return notAString;
  }
}
