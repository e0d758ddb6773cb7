/**
 * The README's guide "Add a credential type in five minutes": the example there is this
 * fixture, verbatim, and it must register and behave as the guide says.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialRegistry, loadCredentialTypes } from '../../../src/credentials/index.ts';
import { thrown } from '../../support/registry.ts';

const root = resolve(import.meta.dirname, '../../..');

describe('the README guide example', () => {
  it('appears in the README exactly as the fixture the test runs', () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const fixture = readFileSync(resolve(root, 'test/fixtures/guide/webhook.ts'), 'utf8');
    expect(readme).toContain(fixture.trim());
  });

  it('registers from a types folder and derives what the guide promises', async () => {
    const registry = new CredentialRegistry();
    await loadCredentialTypes(registry, resolve(root, 'test/fixtures/guide'));
    const webhook = registry.get('webhook');
    expect(webhook.formModel.fields.map((f) => [f.key, f.input, f.default])).toEqual([
      ['url', 'url', undefined],
      ['signingSecret', 'password', undefined],
      ['algorithm', 'select', 'sha256'],
      ['timeoutSeconds', 'number', 10],
    ]);
    const secret = 'x'.repeat(32);
    expect(webhook.parseCreate({ url: 'https://hooks.example.com/in', signingSecret: secret })).toEqual({
      url: 'https://hooks.example.com/in',
      signingSecret: secret,
      algorithm: 'sha256',
      timeoutSeconds: 10,
    });
    expect(
      thrown(() => webhook.parseCreate({ url: 'https://hooks.example.com/in', signingSecret: 'short' })).message,
    ).toBe('Invalid Signed webhook: signingSecret: Signing secret must be at least 32 characters');
    expect(
      (webhook.jsonSchema as { properties: { signingSecret: { writeOnly: boolean } } }).properties.signingSecret
        .writeOnly,
    ).toBe(true);
  });
});
