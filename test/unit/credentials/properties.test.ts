import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CredentialRegistry } from '../../../src/credentials/index.ts';
import { shownFields } from '../../../src/credentials/show-when.ts';
import { ValidationError } from '../../../src/errors.ts';
import { validPayload, wrongValue } from '../../support/arbitraries.ts';
import { builtInRegistry } from '../../support/registry.ts';

let registry: CredentialRegistry;
beforeAll(async () => {
  // Strength 0 so that random passwords are valid; the strength rule has its own tests.
  registry = await builtInRegistry(0);
});

// Certificate and SSH key payloads need real keys; their validation is tested with generated ones.
const freeTypes = ['smtp', 'jira', 'password', 'api-key', 'generic'];

describe.each(freeTypes)('properties of %s', (id) => {
  it('accepts every valid payload and round-trips it through storage to an equal instance', () => {
    const type = registry.get(id);
    fc.assert(
      fc.property(validPayload(type), (input) => {
        const payload = type.parseCreate(input);
        const stored = JSON.parse(JSON.stringify(payload));
        expect(type.parseCreate(stored)).toEqual(payload);
        const instance = type.hydrate(stored) as Record<string, unknown>;
        expect(instance).toBeInstanceOf(type.definition.ctor);
        for (const field of type.definition.fields)
          expect(instance[field.key]).toEqual(payload[field.key] ?? field.default);
        // An update that leaves every secret empty changes nothing.
        const blanked = { ...payload };
        for (const key of type.secretKeys) delete blanked[key];
        expect(type.parseUpdate(blanked, payload)).toEqual(payload);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a wrong value in any field with an error naming that field', () => {
    const type = registry.get(id);
    const fields = type.definition.fields;
    const corrupted = fc
      .tuple(validPayload(type), fc.integer({ min: 0, max: fields.length - 1 }))
      .chain(([payload, index]) =>
        wrongValue(fields[index]!).map((bad) => ({
          input: { ...payload, [fields[index]!.key]: bad },
          key: fields[index]!.key,
        })),
      );
    fc.assert(
      fc.property(corrupted, ({ input, key }) => {
        // A field the values do not show is dropped unjudged (showWhen): only shown ones must be refused.
        fc.pre(shownFields(type.definition, input).has(key));
        let error: unknown;
        try {
          type.parseCreate(input);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ValidationError);
        const paths = (error as ValidationError).issues.map((i) => i.path.split('.')[0]);
        expect(paths).toContain(key);
        expect((error as ValidationError).message).toContain(key);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a payload missing any required field, naming it', () => {
    const type = registry.get(id);
    const required = type.definition.fields.filter((f) => !f.optional);
    fc.assert(
      fc.property(validPayload(type), fc.constantFrom(...required), (payload, field) => {
        fc.pre(shownFields(type.definition, payload).has(field.key));
        const input = { ...payload };
        delete input[field.key];
        expect(() => type.parseCreate(input)).toThrow(new RegExp(`${field.key}: ${field.label} is required`));
      }),
      { numRuns: 50 },
    );
  });
});
