/**
 * Fuzzing: fast-check drives every API route and the main form posts with random and
 * hostile input. Figures: requests sent, 5xx answers (must be 0), and state changed by
 * rejected requests (must be 0).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 40);

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    "'; drop table secrets; --",
    "{{ secret('x') }}",
    '${process.env}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '\u0000\u0007\u001b[2J',
    '__proto__',
    'constructor',
    '😀'.repeat(50),
    // Lone UTF-16 surrogates: JSON.stringify writes them as \ud800 escapes, which JSON.parse brings back.
    '\ud800',
    'a\udfffb',
    '\udc00\ud800',
  ),
  fc
    .tuple(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string())
    .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`),
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'A'.repeat(n)),
);

const deep = fc.integer({ min: 50, max: 2000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
});

const protoBody = fc.constantFrom(
  '{"__proto__":{"admin":true},"type":"password","name":"p","fields":{"password":"x"}}',
  '{"constructor":{"prototype":{"x":1}},"name":"c"}',
  '{"fields":{"__proto__":{"password":"x"}}}',
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.json().map((j) => JSON.parse(j) as unknown),
  hostileString,
  deep,
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, fc.anything(), { maxKeys: 5 }),
);

/** A request body: an object with hostile values in the expected keys, or anything at all, or raw text. */
const body = (keys: string[]): fc.Arbitrary<{ raw: string }> =>
  fc.oneof(
    fc
      .record(Object.fromEntries(keys.map((k) => [k, hostileValue])), { requiredKeys: [] })
      .map((o) => ({ raw: JSON.stringify(o) ?? 'null' })),
    hostileValue.map((v) => ({ raw: JSON.stringify(v) ?? 'null' })),
    protoBody.map((raw) => ({ raw })),
    fc.string().map((raw) => ({ raw })),
  );

describe('fuzzing the API and the forms (PGlite)', () => {
  let h: TestApp;
  let token: string;
  let secretId: string;
  const figures = { requests: 0, serverErrors: 0, rejectedThatChangedState: 0, accepted: 0 };
  let failures: string[] = [];

  async function fingerprint(): Promise<string> {
    const rows = await h.database.handle.raw.query(
      "select (select count(*) from secrets)::int s, (select coalesce(sum(version), 0) from secrets)::int v, (select count(*) from secret_versions)::int sv, (select count(*) from secret_shares)::int sh, (select count(*) from users)::int u, (select count(*) from users where disabled)::int ud, (select count(*) from groups)::int g, (select count(*) from memberships)::int m, (select count(*) from permission_grants)::int pg, (select count(*) from api_tokens where revoked_at is null)::int t, (select string_agg(description, '|' order by id) from secrets) d",
    );
    return JSON.stringify(rows[0]);
  }

  beforeEach(() => {
    failures = [];
  });

  beforeAll(async () => {
    h = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '10000' });
    token = await h.tokenFor(h.admin);
    secretId = (
      await h.tresor.secrets.create(h.admin, {
        type: 'password',
        name: 'fuzz-target',
        fields: { password: 'fuzz-secret-value' },
      })
    ).id;
    await h.tresor.secrets.update(h.admin, secretId, { fields: { password: 'second' } });
  });

  afterAll(async () => {
    process.stdout.write(
      `[figures] fuzzing: ${figures.requests} requests, ${figures.serverErrors} 5xx, ${figures.rejectedThatChangedState} rejected requests that changed state (${figures.accepted} accepted)\n`,
    );
    await h?.close();
  });

  async function send(
    method: string,
    url: string,
    raw: string | undefined,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const before = await fingerprint();
    const res = await h.app.inject({
      method: method as 'POST',
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(raw === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(raw === undefined ? {} : { payload: raw }),
    });
    figures.requests++;
    if (res.statusCode >= 500) {
      figures.serverErrors++;
      failures.push(`${method} ${url} ${raw?.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
    if (res.statusCode >= 400) {
      if ((await fingerprint()) !== before) {
        figures.rejectedThatChangedState++;
        failures.push(`state changed by rejected ${method} ${url} ${raw?.slice(0, 200)}`);
      }
    } else figures.accepted++;
  }

  const routes: [string, (id: string) => string, string[]][] = [
    ['POST', () => '/api/v1/secrets', ['type', 'name', 'description', 'fields', 'expiresAt']],
    ['PATCH', (id) => `/api/v1/secrets/${id}`, ['fields', 'description', 'expiresAt', 'reason']],
    ['POST', (id) => `/api/v1/secrets/${id}/rollback`, ['version', 'reason']],
    ['POST', (id) => `/api/v1/secrets/${id}/shares`, ['user', 'group']],
    ['POST', () => '/api/v1/users', ['email', 'displayName', 'password']],
    ['POST', () => '/api/v1/groups', ['name', 'description']],
    ['POST', () => '/api/v1/tokens', ['name', 'expiresInDays']],
    ['POST', () => '/api/v1/auth/token', ['email', 'password']],
  ];

  for (const [method, path, keys] of routes) {
    it(`${method} ${path(':id')}: no 5xx, and a rejected request changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(body(keys), async ({ raw }) => {
          await send(method, path(secretId), raw);
        }),
        { numRuns: runs },
      );
      expect(failures).toEqual([]);
    }, 120_000);
  }

  it('NUL characters anywhere (found by the long run): 4xx, never 5xx', async () => {
    const nul = 'a\u0000b';
    await send('POST', `/api/v1/secrets/${secretId}/shares`, JSON.stringify({ group: nul }));
    await send('POST', `/api/v1/secrets/${secretId}/shares`, JSON.stringify({ user: nul }));
    await send('GET', `/api/v1/secrets/${encodeURIComponent(nul)}`, undefined);
    await send('PATCH', `/api/v1/secrets/${secretId}`, JSON.stringify({ description: nul, reason: nul }));
    await send(
      'POST',
      '/api/v1/secrets',
      JSON.stringify({ type: 'password', name: 'nul-desc', description: nul, fields: { password: 'p' } }),
    );
    await send('POST', '/api/v1/auth/token', JSON.stringify({ email: nul, password: nul }));
    await send('POST', '/api/v1/users', JSON.stringify({ email: 'n@example.test', displayName: nul }));
    await send('POST', '/api/v1/groups', JSON.stringify({ name: 'nul-group', description: nul }));
    await send('POST', '/api/v1/tokens', JSON.stringify({ name: nul }));
    await send('DELETE', `/api/v1/groups/${encodeURIComponent(nul)}`, undefined);
    expect(failures).toEqual([]);
  });

  it('hostile paths, ids, query strings and headers: no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileString.filter((s) => s.length < 5000),
        fc.constantFrom('GET', 'DELETE', 'PATCH'),
        async (s, method) => {
          // A URL carries UTF-8 bytes: a lone surrogate cannot be in one (the JSON bodies above carry them).
          const enc = encodeURIComponent(s.replace(/\p{Cs}/gu, '\uFFFD'));
          await send(method, `/api/v1/secrets/${enc}`, method === 'PATCH' ? '{}' : undefined, {
            'if-match': s.replace(/[^\x20-\x7e]/g, '').slice(0, 100) || 'x',
          });
          await send('GET', `/api/v1/secrets?q=${enc}&type=${enc}&limit=${enc}&after=${enc}`, undefined);
          await send('GET', `/api/v1/audit?action=${enc}&actor=${enc}&from=${enc}`, undefined);
          await send('DELETE', `/api/v1/secrets/${secretId}/shares/${enc}`, undefined);
          await send('PUT', `/api/v1/users/${enc}/permissions/${enc}`, undefined);
        },
      ),
      { numRuns: runs },
    );
    expect(failures).toEqual([]);
  }, 120_000);

  it('form posts with hostile fields: no 5xx, secret never echoed', async () => {
    const ui = new UiClient(h.app);
    const email = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
    await ui.login(email, 'correct horse battery staple');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('smtp', 'password', 'generic', 'certificate', 'nope'),
        fc.dictionary(
          fc.constantFrom(
            'name',
            'description',
            'expiresAt',
            'fields[host]',
            'fields[port]',
            'fields[password]',
            'fields[entries][0][name]',
            'fields[entries][0][value]',
            'fields[chain]',
            'fields',
            '__proto__[x]',
          ),
          hostileString.filter((s) => s.length < 20_000),
        ),
        async (type, fields) => {
          const res = await ui.post(`/secrets/new/${type}`, fields, { from: '/secrets/new' });
          figures.requests++;
          if (res.statusCode >= 500) {
            figures.serverErrors++;
            failures.push(`form ${type} ${JSON.stringify(fields).slice(0, 200)} -> ${res.statusCode}`);
          }
          const secret = fields['fields[password]'];
          // (Unless the same text was also typed into a field that is shown back, like the name.)
          const elsewhere = Object.entries(fields).some(
            ([k, v]) => k !== 'fields[password]' && v.includes(secret ?? ''),
          );
          if (secret && secret.length > 8 && !elsewhere && res.statusCode !== 302)
            expect(res.body).not.toContain(secret);
        },
      ),
      { numRuns: runs },
    );
    expect(failures).toEqual([]);
  }, 180_000);
});
