import { beforeAll, describe, expect, it } from 'vitest';
import type { CredentialRegistry } from '../../../src/credentials/index.ts';
import { ValidationError } from '../../../src/errors.ts';
import { builtInRegistry, refused, thrown } from '../../support/registry.ts';

let registry: CredentialRegistry;
beforeAll(async () => {
  registry = await builtInRegistry();
});

const cases: [type: string, input: unknown, issues: { path: string; message: string }[]][] = [
  ['smtp', { username: 'u', password: 'p' }, [{ path: 'host', message: 'Host is required' }]],
  [
    'smtp',
    { host: 'h', username: 'u', password: 'p', port: 'twenty-five' },
    [{ path: 'port', message: 'Port must be a number' }],
  ],
  [
    'smtp',
    { host: 'h', username: 'u', password: 'p', port: 25.5 },
    [{ path: 'port', message: 'Port must be a whole number' }],
  ],
  [
    'smtp',
    { host: 'h', username: 'u', password: 'p', security: 'ssl' },
    [{ path: 'security', message: 'Security must be one of: starttls, tls, none' }],
  ],
  [
    'smtp',
    { host: 'h', username: 'u', password: 'p', from: 'not-an-address' },
    [{ path: 'from', message: 'Sender address must be an e-mail address like name@example.com' }],
  ],
  [
    'smtp',
    { host: 'h', username: 'u', password: 'p', colour: 'red' },
    [{ path: 'colour', message: '"colour" is not a field of SMTP outgoing server' }],
  ],
  [
    'jira',
    { siteUrl: 'http://x.atlassian.net', email: 'a@b.co', apiToken: 't' },
    [{ path: 'siteUrl', message: 'Site URL must be a web address starting with https://' }],
  ],
  [
    'jira',
    { siteUrl: 'https://x.atlassian.net', email: 'a@b.co', apiToken: '' },
    [{ path: 'apiToken', message: 'API token must not be empty' }],
  ],
  [
    'api-key',
    { key: 'k', expiresOn: '31/01/2030' },
    [{ path: 'expiresOn', message: 'Expires on must be a date as YYYY-MM-DD' }],
  ],
  ['generic', { entries: [] }, [{ path: 'entries', message: 'Values add at least one name/value pair' }]],
  [
    'generic',
    { entries: [{ name: '1bad', value: 'v' }] },
    [
      {
        path: 'entries.0.name',
        message: 'Values, row 1, name must start with a letter or _ and use only letters, digits, _ . -',
      },
    ],
  ],
  [
    'certificate',
    { chain: 'not pem', privateKey: 'also not' },
    [
      { path: 'chain', message: 'Certificate chain must be PEM text starting with -----BEGIN …-----' },
      { path: 'privateKey', message: 'Private key must be PEM text starting with -----BEGIN …-----' },
    ],
  ],
  ['smtp', 'a string', [{ path: '', message: 'The credential must be an object of fields' }]],
];

describe('validation errors name the field and say what is wrong', () => {
  for (const [id, input, issues] of cases) {
    it(`${id}: ${JSON.stringify(input).slice(0, 70)}`, () => {
      const error = thrown(() => registry.get(id).parseCreate(input));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.issues).toEqual(issues);
      expect(error.field).toBe(issues[0]!.path || undefined);
    });
  }

  it('never repeats a rejected secret value in the message', async () => {
    const canary = 'canary-7f3a-secret-value';
    // The strength check is a slow check (verify, in the hook worker): refused when inspected.
    const error = await refused(registry.get('password'), { password: canary.slice(0, 3) });
    expect(error.message).not.toContain(`${canary.slice(0, 3)}"`);
    const tooLong = 'x'.repeat(1_001) + canary;
    const error2 = thrown(() => registry.get('password').parseCreate({ password: tooLong }));
    expect(error2.message).not.toContain(canary);
    expect(error2.issues).toEqual([{ path: 'password', message: 'Password must be at most 1000 characters' }]);
  });

  it('refuses a weak password with the configured minimum, and accepts it when the minimum is lowered', async () => {
    const error = await refused(registry.get('password'), { username: 'alice', password: 'alice2024' });
    expect(error.issues?.[0]?.path).toBe('password');
    expect(error.issues?.[0]?.message).toMatch(/^Password is too weak \(strength [0-2] of 4, at least 3 needed\)/);
    expect(error.message).not.toContain('alice2024');
    const lenient = (await builtInRegistry(0)).get('password');
    await expect(lenient.inspect(lenient.parseCreate({ password: 'alice2024' }))).resolves.toEqual({ facts: {} });
    const strict = registry.get('password');
    await expect(strict.inspect(strict.parseCreate({ password: 'tundra-violin-cobalt-Nebula-42' }))).resolves.toEqual({
      facts: {},
    });
  });
});
