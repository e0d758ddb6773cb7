import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CredentialRegistry, createDecorators, MetadataStore } from '../../../src/credentials/index.ts';
import { TypeDefinitionError } from '../../../src/errors.ts';
import { thrown } from '../../support/registry.ts';

/** Each test gets its own store and registry: nothing global to reset. */
function fresh() {
  const store = new MetadataStore();
  return { store, registry: new CredentialRegistry({ store }), ...createDecorators(store) };
}

const type = (id: string) => ({ id, name: 'Thing', description: 'A thing.', logo: 'thing.svg' });

describe('registry: refusing malformed types, naming class and field', () => {
  it('refuses a class without @Credential', () => {
    const { registry, Field } = fresh();
    class Plain {
      @Field({ label: 'A' }) a!: string;
    }
    const error = thrown(() => registry.register(Plain));
    expect(error).toBeInstanceOf(TypeDefinitionError);
    expect(error.message).toBe(
      'Credential type Plain: is not decorated with @Credential({ id, name, description, logo })',
    );
  });

  it('refuses a duplicate id and names both classes', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('thing'))
    class First {
      @Field({ label: 'A' }) a!: string;
    }
    @Credential(type('thing'))
    class Second {
      @Field({ label: 'A' }) a!: string;
    }
    registry.register(First);
    expect(thrown(() => registry.register(Second)).message).toBe(
      'Credential type Second: id "thing" is already used by First',
    );
  });

  it('registering the same class twice returns the same type', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('once'))
    class Once {
      @Field({ label: 'A' }) a!: string;
    }
    expect(registry.register(Once)).toBe(registry.register(Once));
  });

  it('refuses a type with no fields', () => {
    const { registry, Credential } = fresh();
    @Credential(type('empty'))
    class Empty {}
    expect(thrown(() => registry.register(Empty)).message).toMatch(/^Credential type Empty: has no fields/);
  });

  it('refuses an unknown style and lists the known ones', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('styled'))
    class Styled {
      @Field({ label: 'Colour', style: 'colour' as never }) colour!: string;
    }
    const error = thrown(() => registry.register(Styled)) as TypeDefinitionError;
    expect(error.message).toMatch(/^Credential type Styled\.colour: unknown style "colour" \(known: text, secret,/);
    expect(error.field).toBe('colour');
  });

  it('refuses a secret field with a default', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('leaky'))
    class Leaky {
      @Field({ label: 'Token', style: 'secret', default: 'hunter2' }) token!: string;
    }
    expect(thrown(() => registry.register(Leaky)).message).toMatch(
      /^Credential type Leaky\.token: a secret field cannot have a default/,
    );
  });

  it('refuses a secret-flagged pem field with a default too', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('leaky-pem'))
    class LeakyPem {
      @Field({ label: 'Key', style: 'pem', secret: true, default: '-----BEGIN X-----\nAA\n-----END X-----' })
      key!: string;
    }
    expect(thrown(() => registry.register(LeakyPem)).message).toMatch(
      /LeakyPem\.key: a secret field cannot have a default/,
    );
  });

  it('refuses a default that fails its own schema', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('ports'))
    class Ports {
      @Field({ label: 'Port', style: 'number', min: 1, max: 65535, default: 70000 }) port!: number;
    }
    expect(thrown(() => registry.register(Ports)).message).toBe(
      "Credential type Ports.port: the default value 70000 fails the field's own validation (must be at most 65535)",
    );
  });

  it('refuses a select with no options', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('choice'))
    class Choice {
      @Field({ label: 'Mode', style: 'select', options: [] }) mode!: string;
    }
    expect(thrown(() => registry.register(Choice)).message).toBe(
      'Credential type Choice.mode: a select field needs at least one option',
    );
  });

  it('refuses options on a field that is not a select', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('odd'))
    class Odd {
      @Field({ label: 'Name', options: ['a'] }) name!: string;
    }
    expect(thrown(() => registry.register(Odd)).message).toMatch(/Odd\.name: options only apply to select fields/);
  });

  it('refuses a bad id, a bad logo and a missing name', () => {
    const { registry, Credential, Field } = fresh();
    @Credential({ ...type('Bad Id') })
    class BadId {
      @Field({ label: 'A' }) a!: string;
    }
    @Credential({ ...type('bad-logo'), logo: 'http://insecure.example/logo.svg' })
    class BadLogo {
      @Field({ label: 'A' }) a!: string;
    }
    @Credential({ ...type('no-name'), name: ' ' })
    class NoName {
      @Field({ label: 'A' }) a!: string;
    }
    expect(thrown(() => registry.register(BadId)).message).toMatch(/BadId: id "Bad Id" must be/);
    expect(thrown(() => registry.register(BadLogo)).message).toMatch(/BadLogo: logo .* must be an https URL/);
    expect(thrown(() => registry.register(NoName)).message).toBe('Credential type NoName: needs a name');
  });

  it('refuses expiresFrom that does not name a date field', () => {
    const { registry, Credential, Field } = fresh();
    @Credential({ ...type('expiring'), expiresFrom: 'until' })
    class Expiring {
      @Field({ label: 'Until' }) until!: string;
    }
    expect(thrown(() => registry.register(Expiring)).message).toMatch(
      /Expiring\.until: expiresFrom "until" must name a date field/,
    );
  });

  it('declares facts with labels and at most one expiry, which must be a date', () => {
    const { registry, Credential, Field } = fresh();
    @Credential({
      ...type('two-expiries'),
      facts: { a: { label: 'A', expiry: true }, b: { label: 'B', expiry: true } },
    })
    class TwoExpiries {
      @Field({ label: 'X' }) x!: string;
    }
    expect(thrown(() => registry.register(TwoExpiries)).message).toMatch(/at most one may be the expiry \(a, b are\)/);
    @Credential({ ...type('mono-expiry'), facts: { a: { label: 'A', kind: 'mono', expiry: true } } })
    class MonoExpiry {
      @Field({ label: 'X' }) x!: string;
    }
    expect(thrown(() => registry.register(MonoExpiry)).message).toMatch(/expiry fact "a" must be of kind 'date'/);
    @Credential({
      ...type('dated'),
      facts: { until: { label: { en: 'Until', de: 'Bis' }, expiry: true }, id: { label: 'Id', kind: 'mono' } },
    })
    class Dated {
      @Field({ label: 'X' }) x!: string;
    }
    const dated = registry.register(Dated);
    expect(dated.definition.expiryFact).toBe('until');
    expect(dated.factsIn({ id: 'k1', extra: 'e', until: '2030-01-01T00:00:00.000Z' }, 'de')).toEqual([
      { key: 'until', label: 'Bis', kind: 'date', value: '2030-01-01T00:00:00.000Z' },
      { key: 'id', label: 'Id', kind: 'mono', value: 'k1' },
      { key: 'extra', label: 'extra', kind: 'text', value: 'e' },
    ]);
    const facts = { until: '2030-01-01T00:00:00.000Z' };
    expect(dated.expiryOf({}, facts, null)?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(dated.expiryOf({}, facts, new Date('2029-01-01'))?.toISOString()).toBe('2029-01-01T00:00:00.000Z');
  });

  it('refuses number shorthand on a text field and a field without a label', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('mixed'))
    class Mixed {
      @Field({ label: 'Name', min: 3 }) name!: string;
    }
    @Credential(type('unlabelled'))
    class Unlabelled {
      @Field({ label: '' }) name!: string;
    }
    expect(thrown(() => registry.register(Mixed)).message).toMatch(
      /Mixed\.name: min, max and integer apply to number fields/,
    );
    expect(thrown(() => registry.register(Unlabelled)).message).toBe('Credential type Unlabelled.name: needs a label');
  });

  it('refuses a pattern that is not a regular expression, at registration rather than at the first parse', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('string-pattern'))
    class StringPattern {
      @Field({ label: 'Channel', pattern: '^#[a-z]+$' as unknown as RegExp }) channel!: string;
    }
    expect(thrown(() => registry.register(StringPattern)).message).toBe(
      'Credential type StringPattern.channel: pattern must be a regular expression such as /^[a-z]+$/, not a string',
    );
  });

  it('freezes definitions after registration', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('frozen'))
    class Frozen {
      @Field({ label: 'A' }) a!: string;
    }
    const { definition } = registry.register(Frozen);
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(definition.fields)).toBe(true);
    expect(() => {
      (definition.fields[0] as { label: string }).label = 'changed';
    }).toThrow(TypeError);
  });

  it('inherits fields from a parent class, ancestors first, and lets a subclass override one', () => {
    const { registry, Credential, Field } = fresh();
    class Base {
      @Field({ label: 'Host' }) host!: string;
      @Field({ label: 'Port', style: 'number', default: 80 }) port!: number;
    }
    @Credential(type('child'))
    class Child extends Base {
      @Field({ label: 'Port', style: 'number', default: 443 }) override port!: number;
      @Field({ label: 'Token', style: 'secret' }) token!: string;
    }
    const { definition } = registry.register(Child);
    expect(definition.fields.map((f) => [f.key, f.default])).toEqual([
      ['host', undefined],
      ['port', 443],
      ['token', undefined],
    ]);
  });

  it('accepts a custom zod schema for a field and applies it', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type('custom'))
    class Custom {
      @Field({ label: 'Region', schema: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/, 'must look like eu-west-1') })
      region!: string;
    }
    const t = registry.register(Custom);
    expect(t.parseCreate({ region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
    expect(thrown(() => t.parseCreate({ region: 'Europe' })).message).toBe(
      'Invalid Thing: region: Region must look like eu-west-1',
    );
  });

  it('keeps separate stores apart', () => {
    const a = fresh();
    const b = fresh();
    @a.Credential(type('only-a'))
    class OnlyA {
      @a.Field({ label: 'A' }) x!: string;
    }
    expect(() => a.registry.register(OnlyA)).not.toThrow();
    expect(thrown(() => b.registry.register(OnlyA)).message).toMatch(/is not decorated/);
  });
});

/*
 * Standard (TC39) decorators, called as TypeScript 5 and esbuild call them without
 * experimentalDecorators: field decorators first with a context sharing the class's metadata
 * object, then the class decorator. (test/package builds a real project both ways.)
 */
describe('registry: standard decorators', () => {
  const fieldContext = (name: string, metadata: Record<PropertyKey, unknown>) => ({
    kind: 'field',
    name,
    static: false,
    private: false,
    metadata,
  });

  it('registers a class whose fields were decorated the standard way, in declaration order', () => {
    const { registry, Credential, Field } = fresh();
    class Standard {
      host!: string;
      password!: string;
    }
    const metadata: Record<PropertyKey, unknown> = {};
    Field({ label: 'Host' })(undefined, fieldContext('host', metadata));
    Field({ label: 'Password', secret: true })(undefined, fieldContext('password', metadata));
    Credential(type('standard'))(Standard, { kind: 'class', name: 'Standard', metadata });
    const registered = registry.register(Standard);
    expect(registered.definition.fields.map((f) => [f.key, f.secret])).toEqual([
      ['host', false],
      ['password', true],
    ]);
  });

  it("keeps a subclass's standard fields apart from its parent's metadata", () => {
    const { registry, Credential, Field } = fresh();
    class Parent {
      a!: string;
    }
    class Child extends Parent {
      b!: string;
    }
    const parentMetadata: Record<PropertyKey, unknown> = {};
    Field({ label: 'A' })(undefined, fieldContext('a', parentMetadata));
    Credential(type('parent'))(Parent, { kind: 'class', name: 'Parent', metadata: parentMetadata });
    // A subclass's metadata inherits from its parent's, as the standard says.
    const childMetadata = Object.create(parentMetadata) as Record<PropertyKey, unknown>;
    Field({ label: 'B' })(undefined, fieldContext('b', childMetadata));
    Credential(type('child'))(Child, { kind: 'class', name: 'Child', metadata: childMetadata });
    expect(registry.register(Child).definition.fields.map((f) => f.key)).toEqual(['a', 'b']);
    expect(registry.register(Parent).definition.fields.map((f) => f.key)).toEqual(['a']);
  });

  it('says which tsconfig setting to change when called as neither flavour calls it', () => {
    const { Field } = fresh();
    expect(thrown(() => Field({ label: 'A' })(undefined, 'a')).message).toContain('"experimentalDecorators": true');
    const noMetadata = { kind: 'field', name: 'a', static: false, private: false };
    expect(thrown(() => Field({ label: 'A' })(undefined, noMetadata)).message).toContain("import 'tresor'");
  });
});
