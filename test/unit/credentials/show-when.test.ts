/**
 * Fields that depend on other fields (`showWhen`): the registry refuses conditions that
 * cannot work, naming class and field; the zod schemas require and validate a field only
 * where it is shown and drop it otherwise; the JSON Schema and the form model carry the
 * same condition; the SMTP type uses it for signing in.
 */
import { describe, expect, it } from 'vitest';
import { Smtp } from '../../../credential-types/smtp.ts';
import { CredentialRegistry, createDecorators, MetadataStore } from '../../../src/credentials/index.ts';
import { TypeDefinitionError, ValidationError } from '../../../src/errors.ts';
import { builtInRegistry, thrown } from '../../support/registry.ts';

function fresh() {
  const store = new MetadataStore();
  return { registry: new CredentialRegistry({ store }), ...createDecorators(store) };
}
const type = { id: 'relay', name: 'Relay', description: 'A relay.', logo: 'smtp.svg' };

describe('showWhen: conditions the registry refuses', () => {
  it('names the class and the field for an unknown, secret, self or impossible controlling field', () => {
    const cases: [string, (d: ReturnType<typeof fresh>) => new () => object][] = [
      [
        'Relay.user: showWhen names "auth", which is not a field of the type',
        ({ Credential, Field }) => {
          @Credential(type)
          class Relay {
            @Field({ label: 'User', showWhen: { auth: [true] } }) user!: string;
          }
          return Relay;
        },
      ],
      [
        'Relay.user: showWhen cannot depend on "token": it is a secret field',
        ({ Credential, Field }) => {
          @Credential(type)
          class Relay {
            @Field({ label: 'Token', style: 'secret' }) token!: string;
            @Field({ label: 'User', showWhen: { token: ['x'] } }) user!: string;
          }
          return Relay;
        },
      ],
      [
        'Relay.user: showWhen cannot depend on the field itself',
        ({ Credential, Field }) => {
          @Credential(type)
          class Relay {
            @Field({ label: 'User', showWhen: { user: ['x'] } }) user!: string;
          }
          return Relay;
        },
      ],
      [
        'Relay.user: showWhen.mode lists "ldap", which "mode" can never hold',
        ({ Credential, Field }) => {
          @Credential(type)
          class Relay {
            @Field({ label: 'Mode', style: 'select', options: ['none', 'login'], default: 'none' }) mode!: string;
            @Field({ label: 'User', showWhen: { mode: ['ldap'] } }) user!: string;
          }
          return Relay;
        },
      ],
    ];
    for (const [message, declare] of cases) {
      const d = fresh();
      const error = thrown(() => d.registry.register(declare(d)));
      expect(error).toBeInstanceOf(TypeDefinitionError);
      expect(error.message).toContain(message);
    }
  });

  it('refuses a cycle, naming its way round', () => {
    const { registry, Credential, Field } = fresh();
    @Credential(type)
    class Relay {
      @Field({ label: 'A', style: 'select', options: ['x'], optional: true, showWhen: { b: ['y'] } }) a!: string;
      @Field({ label: 'B', style: 'select', options: ['y'], optional: true, showWhen: { a: ['x'] } }) b!: string;
    }
    expect(thrown(() => registry.register(Relay)).message).toContain('showWhen conditions form a cycle: a → b → a');
  });
});

describe('showWhen in the SMTP type: the username and password only when signing in', async () => {
  const registry = await builtInRegistry();
  const smtp = registry.of(Smtp);
  const base = { host: 'relay.example.com', security: 'starttls' };

  it('requires them where shown, and names the field', () => {
    const error = thrown(() => smtp.parseCreate({ ...base, username: 'mailer' }));
    expect(error.issues).toEqual([{ path: 'password', message: 'Password is required' }]);
  });

  it('neither requires nor validates nor stores them where hidden', () => {
    expect(smtp.parseCreate({ ...base, authentication: false })).toEqual({
      ...base,
      port: 587,
      authentication: false,
    });
    // Even a value that would be refused is dropped unjudged: the form did not show the field.
    expect(smtp.parseCreate({ ...base, authentication: false, username: 'x'.repeat(400), password: 'p' })).toEqual({
      ...base,
      port: 587,
      authentication: false,
    });
  });

  it('drops a stored password when an update turns signing in off', () => {
    const stored = smtp.parseCreate({ ...base, username: 'mailer', password: 'canary-show-when-1' });
    const updated = smtp.parseUpdate({ ...base, port: 587, authentication: false }, stored);
    expect(updated).toEqual({ ...base, port: 587, authentication: false });
    expect(() => smtp.parseUpdate({ ...base, port: 587, authentication: true, username: 'm' }, updated)).toThrow(
      ValidationError,
    );
  });

  it('carries the same condition in the JSON Schema and the form model', () => {
    const schema = smtp.jsonSchema as { required: string[]; allOf: unknown[] };
    expect(schema.required).toEqual(['host']);
    const when = { if: { properties: { authentication: { enum: [true] } } } };
    expect(schema.allOf).toEqual(
      ['username', 'password'].map((key) => ({ ...when, ...Object.fromEntries([['then', { required: [key] }]]) })),
    );
    const fields = Object.fromEntries(smtp.formModel.fields.map((f) => [f.key, f.showWhen]));
    expect(fields).toMatchObject({ username: { authentication: [true] }, password: { authentication: [true] } });
    expect(fields.host).toBeUndefined();
  });
});
