import { beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../../credential-types/smtp.ts';
import { CredentialRegistry, createDecorators, MetadataStore } from '../../../src/credentials/index.ts';
import { builtInRegistry, thrown } from '../../support/registry.ts';

let registry: CredentialRegistry;
beforeAll(async () => {
  registry = await builtInRegistry();
});

const expectedFields: Record<string, [key: string, style: string, secret: boolean, required: boolean][]> = {
  smtp: [
    ['host', 'text', false, true],
    ['port', 'number', false, false],
    ['security', 'select', false, false],
    ['authentication', 'checkbox', false, false],
    ['username', 'text', false, true],
    ['password', 'secret', true, true],
    ['from', 'email', false, false],
  ],
  jira: [
    ['siteUrl', 'url', false, true],
    ['email', 'email', false, true],
    ['apiToken', 'secret', true, true],
  ],
  password: [
    ['username', 'text', false, false],
    ['password', 'secret', true, true],
  ],
  'api-key': [
    ['key', 'secret', true, true],
    ['expiresOn', 'date', false, false],
  ],
  certificate: [
    ['chain', 'pem', false, true],
    ['privateKey', 'pem', true, true],
    ['passphrase', 'secret', true, false],
  ],
  'ssh-key': [
    ['privateKey', 'pem', true, true],
    ['passphrase', 'secret', true, false],
  ],
  generic: [['entries', 'pairs', true, true]],
  oauth2: [
    ['grant', 'select', false, false],
    ['clientId', 'text', false, true],
    ['clientSecret', 'secret', true, false],
    ['authorizationUrl', 'url', false, true],
    ['tokenUrl', 'url', false, true],
    ['scopes', 'text', false, false],
    ['audience', 'text', false, false],
    ['extraParameters', 'text', false, false],
  ],
  // The same fields, its endpoints preset (so not required).
  'google-oauth2': [
    ['grant', 'select', false, false],
    ['clientId', 'text', false, true],
    ['clientSecret', 'secret', true, false],
    ['authorizationUrl', 'url', false, false],
    ['tokenUrl', 'url', false, false],
    ['scopes', 'text', false, false],
    ['audience', 'text', false, false],
    ['extraParameters', 'text', false, false],
  ],
};

describe('built-in types: derivation', () => {
  it('registers exactly the nine built-in types', () => {
    expect(
      registry
        .list()
        .map((t) => t.id)
        .sort(),
    ).toEqual(Object.keys(expectedFields).sort());
  });

  for (const [id, fields] of Object.entries(expectedFields)) {
    describe(id, () => {
      it('has a form model with its fields in order, styles, secrecy and requiredness', () => {
        const type = registry.get(id);
        expect(type.formModel.fields.map((f) => [f.key, f.style, f.secret, f.required])).toEqual(fields);
        expect(type.formModel.name).toBe(type.definition.name);
        expect(type.formModel.logo).toMatch(/\.svg$/);
      });

      it('has a JSON schema that marks exactly the secret fields writeOnly and lists the required ones', () => {
        const schema = registry.get(id).jsonSchema as {
          properties: Record<string, { writeOnly?: boolean }>;
          required?: string[];
          additionalProperties?: boolean;
        };
        const writeOnly = Object.entries(schema.properties)
          .filter(([, p]) => p.writeOnly === true)
          .map(([k]) => k);
        expect(writeOnly).toEqual(fields.filter((f) => f[2]).map((f) => f[0]));
        // A field shown only under a condition is required by an if/then, not by `required`.
        const conditional = new Set(
          registry
            .get(id)
            .definition.fields.filter((f) => f.showWhen)
            .map((f) => f.key),
        );
        expect(schema.required ?? []).toEqual(fields.filter((f) => f[3] && !conditional.has(f[0])).map((f) => f[0]));
        expect(schema.additionalProperties).toBe(false);
      });

      it('never exposes a default for a secret field in the form model', () => {
        for (const f of registry.get(id).formModel.fields) if (f.secret) expect(f.default).toBeUndefined();
      });
    });
  }

  it('expresses the SMTP card directly: name, logo, port 587 by default, password secret, system sharing rule', () => {
    const smtp = registry.of(Smtp);
    expect(smtp.definition.name).toBe('SMTP outgoing server');
    expect(smtp.definition.logo).toBe('smtp.svg');
    expect(smtp.definition.sharing).toEqual({ requiredGroup: 'system', creatorMustBelong: true });
    const port = smtp.formModel.fields.find((f) => f.key === 'port');
    expect(port).toMatchObject({ default: 587, input: 'number', constraints: { min: 1, max: 65535, integer: true } });
    expect(smtp.formModel.fields.find((f) => f.key === 'password')).toMatchObject({ input: 'password', secret: true });
    expect(smtp.formModel.fields.find((f) => f.key === 'security')?.options).toEqual([
      { value: 'starttls', label: 'STARTTLS' },
      { value: 'tls', label: 'TLS' },
      { value: 'none', label: 'None (plain text)' },
    ]);
  });

  it('applies defaults on create and returns a typed instance', () => {
    const smtp = registry.of(Smtp);
    const payload = smtp.parseCreate({ host: 'smtp.example.com', username: 'mailer', password: 'pw-1' });
    expect(payload).toEqual({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      authentication: true,
      username: 'mailer',
      password: 'pw-1',
    });
    const instance = smtp.hydrate(payload);
    expect(instance).toBeInstanceOf(Smtp);
    expect(instance.port).toBe(587);
  });

  it('treats a blank optional field as absent, as a form sends it', () => {
    const payload = registry.of(Smtp).parseCreate({ host: 'h', username: 'u', password: 'p', from: '  ', port: 25 });
    expect(payload).not.toHaveProperty('from');
    expect(payload.port).toBe(25);
  });

  it('fills fields added to a type after a payload was stored with their defaults on read', () => {
    const stored = { host: 'old.example.com', username: 'u', password: 'p' }; // stored before port and security existed
    const instance = registry.of(Smtp).hydrate(stored);
    expect(instance.port).toBe(587);
    expect(instance.security).toBe('starttls');
  });

  it('shows public fields without any secret value', () => {
    const smtp = registry.of(Smtp);
    const view = smtp.publicFields(smtp.parseCreate({ host: 'h', username: 'u', password: 'canary-smtp-1' }));
    expect(view).toEqual({ host: 'h', port: 587, security: 'starttls', authentication: true, username: 'u' });
    const generic = registry.get('generic');
    expect(
      generic.publicFields(generic.parseCreate({ entries: [{ name: 'TOKEN', value: 'canary-generic-1' }] })),
    ).toEqual({ entries: [{ name: 'TOKEN', value: '' }] });
  });

  it('takes the API key expiry from its expiry field, unless the user chose an earlier one', () => {
    const apiKey = registry.get('api-key');
    const dated = apiKey.parseCreate({ key: 'k', expiresOn: '2030-01-31' });
    expect(apiKey.expiryOf(dated, null, undefined)?.toISOString()).toBe('2030-01-31T23:59:59.999Z');
    expect(apiKey.expiryOf(apiKey.parseCreate({ key: 'k' }), null, null)).toBeNull();
    const earlier = new Date('2029-06-30T00:00:00.000Z');
    expect(apiKey.expiryOf(dated, null, earlier)).toEqual(earlier);
    // Never later than the values carry.
    expect(apiKey.expiryOf(dated, null, new Date('2031-01-01T00:00:00.000Z'))?.toISOString()).toBe(
      '2030-01-31T23:59:59.999Z',
    );
    // Stored: a date before the field's was chosen; the field's own date came from it.
    expect(apiKey.chosenExpiry(earlier, dated, null)).toEqual(earlier);
    expect(apiKey.chosenExpiry(new Date('2030-01-31T23:59:59.999Z'), dated, null)).toBeNull();
  });
});

describe('update schema: empty secret keeps the stored value', () => {
  it('keeps the stored password when the field is left empty, and replaces the rest', () => {
    const smtp = registry.of(Smtp);
    const stored = smtp.parseCreate({ host: 'a.example', username: 'u', password: 'old-secret' });
    expect(smtp.parseUpdate({ host: stored.host, username: 'v', password: '' }, stored)).toEqual({
      ...stored,
      username: 'v',
    });
    expect(smtp.parseUpdate({ host: stored.host, username: 'u' }, stored).password).toBe('old-secret');
    expect(smtp.parseUpdate({ host: 'b.example', username: 'u', password: 'new-secret' }, stored).password).toBe(
      'new-secret',
    );
    // A new destination with the stored password kept is refused, naming the secret field.
    expect(
      thrown(() => smtp.parseUpdate({ host: 'b.example', username: 'u', password: '' }, stored)).issues?.map(
        (i) => i.path,
      ),
    ).toEqual(['password']);
  });

  it('still validates non-secret fields as on create', () => {
    const smtp = registry.of(Smtp);
    const stored = smtp.parseCreate({ host: 'a.example', username: 'u', password: 'p' });
    const error = thrown(() => smtp.parseUpdate({ host: '', username: 'u', port: 0 }, stored));
    expect(error.issues).toEqual([
      { path: 'host', message: 'Host must not be empty' },
      { path: 'port', message: 'Port must be at least 1' },
    ]);
  });

  it('removes an optional secret given null, and refuses null for a required one', () => {
    const store = new MetadataStore();
    const { Credential, Field } = createDecorators(store);
    @Credential({ id: 'with-optional', name: 'With optional', description: 'd', logo: 'x.svg' })
    class WithOptional {
      @Field({ label: 'Key', style: 'secret' }) key!: string;
      @Field({ label: 'Passphrase', style: 'secret', optional: true }) passphrase?: string;
    }
    const optional = new CredentialRegistry({ store }).register(WithOptional);
    const withPassphrase = optional.parseCreate({ key: 'k', passphrase: 'pp' });
    expect(optional.parseUpdate({ passphrase: null }, withPassphrase)).toEqual({ key: 'k' });
    expect(optional.parseUpdate({}, withPassphrase)).toEqual({ key: 'k', passphrase: 'pp' });
    const ssh = registry.get('password');
    const stored = ssh.parseCreate({ password: 'correct horse battery staple 93!' });
    const jira = registry.get('jira');
    const jiraStored = jira.parseCreate({ siteUrl: 'https://x.atlassian.net', email: 'a@b.co', apiToken: 't' });
    expect(
      thrown(() =>
        jira.parseUpdate({ siteUrl: 'https://x.atlassian.net', email: 'a@b.co', apiToken: null }, jiraStored),
      ).issues?.[0]?.path,
    ).toBe('apiToken');
    expect(ssh.parseUpdate({ username: 'me' }, stored)).toEqual({ username: 'me', password: stored.password });
  });

  it('keeps a generic pair value left empty, by name, and refuses an empty value for a new name', () => {
    const generic = registry.get('generic');
    const stored = generic.parseCreate({
      entries: [
        { name: 'A', value: 'alpha' },
        { name: 'B', value: 'beta' },
      ],
    });
    expect(
      generic.parseUpdate(
        {
          entries: [
            { name: 'B', value: '' },
            { name: 'C', value: 'gamma' },
          ],
        },
        stored,
      ),
    ).toEqual({
      entries: [
        { name: 'B', value: 'beta' },
        { name: 'C', value: 'gamma' },
      ],
    });
    const error = thrown(() => generic.parseUpdate({ entries: [{ name: 'D', value: '' }] }, stored));
    expect(error.issues).toEqual([
      { path: 'entries.0.value', message: 'Values #1 value must not be empty: nothing is stored for "D"' },
    ]);
  });

  it('refuses duplicate generic names on create and update', () => {
    const generic = registry.get('generic');
    const error = thrown(() =>
      generic.parseCreate({
        entries: [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' },
        ],
      }),
    );
    expect(error.issues).toEqual([{ path: 'entries.1.name', message: 'Values, row 2, name: "A" is used twice' }]);
  });
});
