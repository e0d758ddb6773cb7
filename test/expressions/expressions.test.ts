import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReferences } from '../../src/expressions/expression-parser.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { createUser } from '../support/principals.ts';
import { sshKey } from '../support/ssh-keys.ts';

describe('expression parser', () => {
  it('finds references with their lines, and reports malformed ones', () => {
    const text = 'a: {{ secret(\'db\') }}\nb: {{secret("jira").apiToken}}\nc: {{ secret(db) }}\nd: {{ other }}';
    const { references, issues } = parseReferences(text);
    expect(references.map((r) => [r.name, r.field, r.line])).toEqual([
      ['db', undefined, 1],
      ['jira', 'apiToken', 2],
    ]);
    expect(issues).toEqual([
      {
        line: 3,
        raw: '{{ secret(db) }}',
        message: "{{ secret(db) }} is not a valid reference: write {{ secret('name') }} or {{ secret('name').field }}",
      },
    ]);
  });

  it('scans hostile text in linear time: 320 KB of unterminated and many-line references', () => {
    // Before: 28 s (each try ran to the end of the text, each line number counted from the start).
    const shapes = ['{{ secret'.repeat(36_000), `${"{{ secret('a') }}\n".repeat(18_000)}`, '{{secret('.repeat(40_000)];
    const started = performance.now();
    for (const text of shapes) parseReferences(text);
    // Generous on purpose (a busy 2-core machine): linear takes milliseconds, quadratic took tens of seconds.
    expect(performance.now() - started).toBeLessThan(5_000);
    const many = parseReferences(shapes[1]!);
    expect(many.references).toHaveLength(18_000);
    expect(many.references.at(-1)?.line).toBe(18_000);
  });

  it('refuses text over 1 MiB, naming it, instead of scanning it', () => {
    expect(() => parseReferences('x'.repeat(1024 * 1024 + 1))).toThrow(/too long/);
  });
});

describe.each(databaseKinds)('expressions on %s', (kind) => {
  let t: TestTresor;
  beforeAll(async () => {
    t = await testTresor(kind);
    await t.tresor.secrets.create(t.admin, {
      type: 'password',
      name: 'db',
      fields: { username: 'app', password: 'db-pass-1' },
    });
    await t.tresor.secrets.create(t.admin, {
      type: 'jira',
      name: 'jira',
      fields: { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: 'jira-tok' },
    });
    await t.tresor.secrets.create(t.admin, {
      type: 'generic',
      name: 'env',
      fields: { entries: [{ name: 'API_TOKEN', value: 'generic-tok' }] },
    });
    await t.tresor.secrets.create(t.admin, {
      type: 'ssh-key',
      name: 'ssh',
      fields: { privateKey: sshKey('ed25519').openssh },
    });
    await t.tresor.secrets.create(t.admin, {
      type: 'api-key',
      name: 'old-key',
      fields: { key: 'k', expiresOn: '2001-01-01' },
    });
  });
  afterAll(() => t?.close());

  it('renders the single secret field, a named field, and a generic pair by name', async () => {
    const text =
      "url: postgres://{{ secret('db').username }}:{{ secret('db') }}@host/db\njira: {{ secret('jira').apiToken }} site {{ secret('jira').siteUrl }}\ntoken: {{ secret('env').API_TOKEN }}\nleft: {{ other }}";
    expect(await t.tresor.expressions.render(text, { as: t.admin })).toBe(
      'url: postgres://app:db-pass-1@host/db\njira: jira-tok site https://x.atlassian.net\ntoken: generic-tok\nleft: {{ other }}',
    );
    // Every resolution is a use, on the record.
    const uses = await t.tresor.audit.query(t.admin, { action: 'secret.used', limit: 10 });
    expect(
      uses
        .filter((u) => u.module === 'expressions')
        .map((u) => u.targetName)
        .sort(),
    ).toEqual(['db', 'env', 'jira']);
  });

  it('checks every reference without resolving, naming the reference and its line', async () => {
    const stranger = await createUser(t.tresor, t.admin, 'expr-stranger');
    const text =
      "1: {{ secret('db') }}\n2: {{ secret('nope') }}\n3: {{ secret('jira') }}\n4: {{ secret('db').colour }}\n5: {{ secret('old-key') }}\n6: {{ secret(bad) }}\n7: {{ secret('ssh') }}";
    expect(await t.tresor.expressions.check(text, { as: t.admin })).toEqual([
      {
        path: 'line 6',
        message:
          "{{ secret(bad) }}: is not a valid reference: write {{ secret('name') }} or {{ secret('name').field }}",
      },
      { path: 'line 2', message: `{{ secret('nope') }}: no usable secret named "nope"` },
      {
        path: 'line 4',
        message: `{{ secret('db').colour }}: Password has no field "colour" (fields: username, password)`,
      },
      { path: 'line 5', message: `{{ secret('old-key') }}: secret "old-key" has expired` },
      {
        path: 'line 7',
        message:
          "{{ secret('ssh') }}: SSH key has several secret fields; name one, e.g. {{ secret('ssh').privateKey }}",
      },
    ]);
    // A principal who may not use it gets the same answer as for an unknown name.
    expect(await t.tresor.expressions.check("{{ secret('db') }}", { as: stranger })).toEqual([
      { path: 'line 1', message: `{{ secret('db') }}: no usable secret named "db"` },
    ]);
  });

  it('refuses to render when any reference fails, and the error holds no value', async () => {
    const error = await t.tresor.expressions
      .render("ok: {{ secret('db') }}\nbad: {{ secret('nope') }}", { as: t.admin })
      .then(
        () => undefined,
        (e: Error & { code?: string; issues?: unknown }) => e,
      );
    expect(error?.code).toBe('VALIDATION_FAILED');
    expect(error?.issues).toEqual([{ path: 'line 2', message: `{{ secret('nope') }}: no usable secret named "nope"` }]);
    expect(error?.message).not.toContain('db-pass-1');
  });
});
