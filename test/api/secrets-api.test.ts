import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../credential-types/smtp.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { samplePayloads } from '../support/payloads.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('REST API: secrets on %s', (kind) => {
  let h: TestApp;
  let admin: string;
  const canaries: string[] = [];
  beforeAll(async () => {
    h = await testApp(kind);
    admin = await h.tokenFor(h.admin);
  });
  afterAll(async () => {
    // Nothing any test received may contain a secret value.
    expect(findCanaries(h.seen.join('\n'), canaries)).toEqual([]);
    await h?.close();
  });

  const smtpBody = (name: string, password = `CANARY-api-${name}`) => {
    canaries.push(password);
    return {
      type: 'smtp',
      name,
      description: 'relay',
      fields: { host: 'smtp.example.test', username: 'mailer', password },
    };
  };

  it('refuses a request without a valid bearer token with 401 and a clear message', async () => {
    for (const token of [
      undefined,
      'nope',
      'tsr_00000000000000000000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ]) {
      const res = await h.api('GET', '/api/v1/secrets', token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'Send a valid API token: Authorization: Bearer tsr_…' },
      });
    }
  });

  it('creates a secret (201, ETag, Location) and never returns a secret field', async () => {
    const res = await h.api('POST', '/api/v1/secrets', admin, smtpBody('api-smtp'));
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const body = res.json();
    expect(res.headers.location).toBe(`/api/v1/secrets/${body.id}`);
    expect(body).toMatchObject({
      name: 'api-smtp',
      type: 'smtp',
      version: 1,
      fields: { host: 'smtp.example.test', port: 587, security: 'starttls', username: 'mailer' },
    });
    expect(body.fields).not.toHaveProperty('password');
    const got = await h.api('GET', `/api/v1/secrets/${body.id}`, admin);
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.json().fields).toEqual(body.fields);
  });

  it('answers bad input with 422 naming the field, and changes nothing', async () => {
    const before = (await h.api('GET', '/api/v1/secrets', admin)).json().items.length;
    const cases: [unknown, string][] = [
      [{ ...smtpBody('bad-port'), fields: { ...smtpBody('bad-port').fields, port: 0 } }, 'fields.port'],
      [{ ...smtpBody('bad type'), type: 'smtp' }, 'name'],
      [{ ...smtpBody('bad-type'), type: 'nope' }, 'type'],
      [{ ...smtpBody('bad-extra'), fields: { ...smtpBody('bad-extra').fields, colour: 'red' } }, 'fields.colour'],
    ];
    for (const [payload, field] of cases) {
      const res = await h.api('POST', '/api/v1/secrets', admin, payload);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    const missing = await h.api('POST', '/api/v1/secrets', admin, { type: 'smtp', name: 'x' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.message).toMatch(/fields/);
    expect((await h.api('GET', '/api/v1/secrets', admin)).json().items.length).toBe(before);
  });

  it('answers malformed JSON with 400 and a wrong content type with 415', async () => {
    const bad = await h.request({
      method: 'POST',
      url: '/api/v1/secrets',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: '{"type": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toEqual({ code: 'BAD_REQUEST', message: 'The body is not valid JSON' });
    const text = await h.request({
      method: 'POST',
      url: '/api/v1/secrets',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
  });

  it('refuses a duplicate name with 409', async () => {
    await h.api('POST', '/api/v1/secrets', admin, smtpBody('dup'));
    const res = await h.api('POST', '/api/v1/secrets', admin, smtpBody('dup'));
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'CONFLICT', field: 'name' });
  });

  it('names every problem in one answer: a taken name beside bad fields is one of them (422, not a 409 first)', async () => {
    await h.api('POST', '/api/v1/secrets', admin, smtpBody('dup-round'));
    const body = smtpBody('dup-round');
    const res = await h.api('POST', '/api/v1/secrets', admin, {
      ...body,
      fields: { ...body.fields, host: '', port: 0 },
    });
    expect(res.statusCode).toBe(422);
    const paths = (res.json().error.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(['name', 'fields.host', 'fields.port']);
    expect(res.json().error.issues[0].message).toBe('A secret named "dup-round" already exists');
  });

  it('patches with If-Match: a stale ETag is a 409, the right one writes a new version, an empty secret keeps its value', async () => {
    const created = (await h.api('POST', '/api/v1/secrets', admin, smtpBody('patched', 'CANARY-patched-keep'))).json();
    const url = `/api/v1/secrets/${created.id}`;
    const ok = await h.api(
      'PATCH',
      url,
      admin,
      { fields: { username: 'relay-user', password: '' } },
      { 'if-match': '"1"' },
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json()).toMatchObject({ changed: true, secret: { version: 2 } });
    const stale = await h.api('PATCH', url, admin, { description: 'late' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    const garbage = await h.api('PATCH', url, admin, { description: 'x' }, { 'if-match': 'yesterday' });
    expect(garbage.statusCode).toBe(422);
    expect(garbage.json().error.field).toBe('If-Match');
    const same = await h.api('PATCH', url, admin, { fields: { username: 'relay-user' } });
    expect(same.json()).toMatchObject({ changed: false, secret: { version: 2 } });
    const { value } = await h.tresor.use(Smtp, h.admin, created.id);
    expect(value).toMatchObject({ host: 'smtp.example.test', username: 'relay-user', password: 'CANARY-patched-keep' });
  });

  it('lists versions and rolls back', async () => {
    const created = (await h.api('POST', '/api/v1/secrets', admin, smtpBody('rolled', 'CANARY-rolled-one'))).json();
    await h.api('PATCH', `/api/v1/secrets/${created.id}`, admin, { fields: { password: 'CANARY-rolled-two' } });
    canaries.push('CANARY-rolled-two');
    const versions = await h.api('GET', `/api/v1/secrets/${created.id}/versions`, admin);
    expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const rolled = await h.api('POST', `/api/v1/secrets/${created.id}/rollback`, admin, { version: 1, reason: 'oops' });
    expect(rolled.statusCode).toBe(200);
    expect(rolled.headers.etag).toBe('"3"');
    expect((await h.tresor.use(Smtp, h.admin, created.id)).value.password).toBe('CANARY-rolled-one');
    const bad = await h.api('POST', `/api/v1/secrets/${created.id}/rollback`, admin, { version: 'one' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.field).toBe('version');
    expect((await h.api('POST', `/api/v1/secrets/${created.id}/rollback`, admin, { version: 99 })).statusCode).toBe(
      404,
    );
  });

  it('deletes with 204, after which the secret is 404', async () => {
    const created = (await h.api('POST', '/api/v1/secrets', admin, smtpBody('deleted'))).json();
    expect(
      (await h.api('DELETE', `/api/v1/secrets/${created.id}`, admin, undefined, { 'if-match': '"2"' })).statusCode,
    ).toBe(409);
    expect((await h.api('DELETE', `/api/v1/secrets/${created.id}`, admin)).statusCode).toBe(204);
    expect((await h.api('GET', `/api/v1/secrets/${created.id}`, admin)).statusCode).toBe(404);
    expect((await h.api('DELETE', `/api/v1/secrets/${created.id}`, admin)).statusCode).toBe(404);
  });

  it('filters and paginates the store', async () => {
    for (const n of ['pg-1', 'pg-2', 'pg-3'])
      await h.api('POST', '/api/v1/secrets', admin, {
        type: 'password',
        name: n,
        description: 'paging',
        fields: { password: 'x' },
      });
    const first = (await h.api('GET', '/api/v1/secrets?q=paging&limit=2', admin)).json();
    expect(first.items.map((s: { name: string }) => s.name)).toEqual(['pg-1', 'pg-2']);
    const second = (await h.api('GET', `/api/v1/secrets?q=paging&limit=2&after=${first.next}`, admin)).json();
    expect(second).toEqual({ items: [expect.objectContaining({ name: 'pg-3' })], next: null });
    expect(
      (await h.api('GET', '/api/v1/secrets?type=password&limit=500', admin))
        .json()
        .items.every((s: { type: string }) => s.type === 'password'),
    ).toBe(true);
    expect((await h.api('GET', '/api/v1/secrets?limit=0', admin)).statusCode).toBe(422);
  });

  it('answers a listing read again with what changed since, though the same page is written from memory', async () => {
    const created = (await h.api('POST', '/api/v1/secrets', admin, smtpBody('listed-again'))).json();
    const listing = async () =>
      (await h.api('GET', '/api/v1/secrets?q=listed-again', admin))
        .json()
        .items.map((s: { description: string; version: number }) => `${s.description} v${s.version}`);
    expect(await listing()).toEqual(['relay v1']);
    expect(await listing()).toEqual(['relay v1']);
    await h.api('PATCH', `/api/v1/secrets/${created.id}`, admin, { description: 'relay, moved' });
    expect(await listing()).toEqual(['relay, moved v2']);
    await h.api('DELETE', `/api/v1/secrets/${created.id}`, admin);
    expect(await listing()).toEqual([]);
  });

  it('compares two versions: non-secret fields old → new, a secret field only changed or not', async () => {
    const created = (await h.api('POST', '/api/v1/secrets', admin, smtpBody('compared'))).json();
    const newPassword = 'CANARY-api-compared-2';
    canaries.push(newPassword);
    await h.api('PATCH', `/api/v1/secrets/${created.id}`, admin, {
      fields: { host: 'smtp2.example.test', username: 'mailer', password: newPassword },
      reason: 'moved relay',
    });
    await h.api('PATCH', `/api/v1/secrets/${created.id}`, admin, { description: 'relay, moved' });
    const compare = (query: string) => h.api('GET', `/api/v1/secrets/${created.id}/versions/compare?${query}`, admin);
    const diff = (await compare('from=1&to=2')).json();
    expect(diff.to).toMatchObject({ version: 2, reason: 'moved relay' });
    const byKey = Object.fromEntries(diff.fields.map((f: { key: string }) => [f.key, f]));
    expect(byKey.host).toEqual({
      key: 'host',
      secret: false,
      changed: true,
      from: 'smtp.example.test',
      to: 'smtp2.example.test',
    });
    expect(byKey.username).toMatchObject({ changed: false, from: 'mailer', to: 'mailer' });
    expect(byKey.password).toEqual({ key: 'password', secret: true, changed: true, setBefore: true, setAfter: true });
    // Only the description changed from 2 to 3: no field did.
    expect((await compare('from=2&to=3')).json().fields.every((f: { changed: boolean }) => !f.changed)).toBe(true);
    const missing = await compare('from=1&to=9');
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatchObject({ field: 'to', message: expect.stringContaining('no version 9') });
    expect((await compare('from=0&to=1')).statusCode).toBe(422);
    const stranger = await h.tokenFor(await createUser(h.tresor, h.admin, 'stranger'));
    expect(
      (await h.api('GET', `/api/v1/secrets/${created.id}/versions/compare?from=1&to=2`, stranger)).statusCode,
    ).toBe(404);
  });

  it('generates a secret field on the server and never returns it', async () => {
    const created = await h.api('POST', '/api/v1/secrets', admin, {
      type: 'password',
      name: 'generated-db',
      fields: { username: 'app' },
      generate: ['password'],
    });
    expect(created.statusCode).toBe(201);
    const used = (await h.tresor.usage.useAny(h.admin, 'generated-db')).payload.password as string;
    expect(used).toHaveLength(24);
    for (const cls of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(used).toMatch(cls);
    expect(created.body).not.toContain(used);
    const patched = await h.api('PATCH', `/api/v1/secrets/${created.json().id}`, admin, { generate: ['password'] });
    expect(patched.json()).toMatchObject({ changed: true, secret: { version: 2 } });
    const again = (await h.tresor.usage.useAny(h.admin, 'generated-db')).payload;
    expect(again.password).not.toBe(used);
    expect(again.username).toBe('app');
    expect(patched.body).not.toContain(String(again.password));
    for (const [body, message] of [
      [
        { type: 'password', name: 'g2', fields: {}, generate: ['username'] },
        'no field "username" that Tresor can generate',
      ],
      [{ type: 'api-key', name: 'g3', fields: {}, generate: ['key'] }, 'no field "key" that Tresor can generate'],
    ] as const) {
      const refused = await h.api('POST', '/api/v1/secrets', admin, body);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error).toMatchObject({ field: 'generate', message: expect.stringContaining(message) });
    }
  });

  it('round-trips every built-in type through the API without returning a secret value', async () => {
    for (const sample of await samplePayloads()) {
      canaries.push(...sample.canaries);
      const res = await h.api('POST', '/api/v1/secrets', admin, {
        type: sample.type,
        name: `rt-${sample.type}`,
        fields: sample.fields,
      });
      expect(res.statusCode, res.body).toBe(201);
      const got = await h.api('GET', `/api/v1/secrets/${res.json().id}`, admin);
      expect(got.statusCode).toBe(200);
    }
  });

  it('serves credential types with form model and JSON schema, and 404 for an unknown one', async () => {
    const list = (await h.api('GET', '/api/v1/credential-types', admin)).json();
    expect(list.items.map((t: { id: string }) => t.id)).toContain('smtp');
    const smtp = (await h.api('GET', '/api/v1/credential-types/smtp', admin)).json();
    expect(smtp.formModel.fields[1]).toMatchObject({ key: 'port', default: 587 });
    expect(smtp.jsonSchema.properties.password.writeOnly).toBe(true);
    const missing = await h.api('GET', '/api/v1/credential-types/nope', admin);
    expect(missing.statusCode).toBe(404);
  });

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const res = await h.request({ method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/secrets',
        '/api/v1/secrets/{id}',
        '/api/v1/secrets/{id}/shares',
        '/api/v1/tokens',
        '/api/v1/auth/token',
      ]),
    );
    expect(doc.paths['/api/v1/secrets'].post.requestBody.content['application/json'].schema.required).toEqual([
      'type',
      'name',
      'fields',
    ]);
  });
});
