/**
 * "No answer derived from a value reaches who may not use it": connection tests, updates
 * and version compares of a stored password answer the same whether a guess is right or
 * wrong; refused tests are on the trail; a caller who may use but not read gets pass/fail
 * only; tests are rate-limited per principal and secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createGroup, createUser } from '../support/principals.ts';

const stored = 'Correct-Horse-9-Battery-Staple-42';

describe.each(databaseKinds)('value-derived answers on %s', (kind) => {
  let h: TestApp;
  let ownerToken: string;
  let recipientToken: string;
  let memberToken: string;
  let managerToken: string;
  let id: string;
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_PASSWORD_MIN_SCORE: '3', TRESOR_TESTS_PER_MINUTE: '30' });
    const owner = await createUser(h.tresor, h.admin, 'owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
    const recipient = await createUser(h.tresor, h.admin, 'recipient');
    const group = await createGroup(h.tresor, h.admin, 'ops');
    const member = await createUser(h.tresor, h.admin, 'member', [], [group.name]);
    const manager = await createUser(h.tresor, h.admin, 'manager', ['SECRET_MANAGEMENT']);
    const secret = await h.tresor.secrets.create(owner, {
      type: 'password',
      name: 'db-password',
      description: 'the payroll database',
      fields: { username: 'payroll', password: stored },
    });
    id = secret.id;
    await h.tresor.shares.share(owner, id, { user: recipient.email });
    await h.tresor.shares.share(owner, id, { group: group.name });
    [ownerToken, recipientToken, memberToken, managerToken] = (await Promise.all(
      [owner, recipient, member, manager].map((p) => h.tokenFor(p)),
    )) as [string, string, string, string];
  });
  afterAll(() => h?.close());

  /** Everything a caller learns from one answer: status, code, field and the checks' verdicts. */
  const answerOf = (res: { statusCode: number; json(): unknown }) => {
    const body = res.json() as { error?: { code: string; field?: string }; ok?: boolean; checks?: unknown[] };
    return JSON.stringify({
      status: res.statusCode,
      error: body.error?.code,
      field: body.error?.field,
      ok: body.ok,
      checks: body.checks,
    });
  };

  it('password oracle: a test fed a guess as the username answers alike for the right and a wrong guess', async () => {
    for (const token of [recipientToken, memberToken]) {
      const right = await h.api('POST', `/api/v1/secrets/${id}/test`, token, { fields: { username: stored } });
      const wrong = await h.api('POST', `/api/v1/secrets/${id}/test`, token, { fields: { username: 'Xylophone-77' } });
      const partial = await h.api('POST', `/api/v1/secrets/${id}/test`, token, { fields: { username: 'Battery' } });
      expect(answerOf(right)).toBe(answerOf(wrong));
      expect(answerOf(partial)).toBe(answerOf(wrong));
      // Edited fields beside a kept password are refused, naming the field to enter again.
      expect(right.statusCode).toBe(422);
      expect(right.json().error.field).toBe('fields.password');
    }
  });

  it('password oracle: refused tests are on the trail', async () => {
    const before = await h.tresor.audit.query(h.admin, { action: 'secret.test_refused', limit: 100 });
    await h.api('POST', `/api/v1/secrets/${id}/test`, memberToken, { fields: { username: stored } });
    const after = await h.tresor.audit.query(h.admin, { action: 'secret.test_refused', limit: 100 });
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ targetId: id, outcome: 'denied', details: { fields: ['password'] } });
    expect(JSON.stringify(after)).not.toContain(stored);
  });

  it('password oracle: an update by a manager that keeps the password answers alike for any username', async () => {
    const right = await h.api('PATCH', `/api/v1/secrets/${id}`, managerToken, { fields: { username: stored } });
    const wrong = await h.api('PATCH', `/api/v1/secrets/${id}`, managerToken, { fields: { username: 'payroll' } });
    expect(right.statusCode).toBe(200);
    expect(wrong.statusCode).toBe(200);
  });

  it('compare oracle: a secret field entered again reads as changed, whether or not the value is the same', async () => {
    const before = (await h.api('GET', `/api/v1/secrets/${id}`, ownerToken)).json().version as number;
    const guess = await h.api('PATCH', `/api/v1/secrets/${id}`, managerToken, { fields: { password: stored } });
    expect(guess.statusCode).toBe(200);
    const compare = await h.api(
      'GET',
      `/api/v1/secrets/${id}/versions/compare?from=${before}&to=${before + 1}`,
      managerToken,
    );
    expect(compare.statusCode).toBe(200);
    const password = (compare.json().fields as { key: string; changed: boolean }[]).find((f) => f.key === 'password');
    expect(password?.changed).toBe(true);
    // A version that only changed the description did not touch the password.
    await h.api('PATCH', `/api/v1/secrets/${id}`, managerToken, { description: 'moved' });
    const second = await h.api(
      'GET',
      `/api/v1/secrets/${id}/versions/compare?from=${before + 1}&to=${before + 2}`,
      managerToken,
    );
    const unchanged = (second.json().fields as { key: string; changed: boolean }[]).find((f) => f.key === 'password');
    expect(unchanged?.changed).toBe(false);
  });

  it('gives a group member pass/fail only: no metadata, no non-secret fields, no messages', async () => {
    const res = await h.api('POST', `/api/v1/secrets/${id}/test`, memberToken, {});
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.secret).toBeUndefined();
    expect(body.checks.length).toBeGreaterThan(0);
    for (const check of body.checks) expect(check.message).toBe('');
    expect(res.body).not.toContain('payroll');
    // The owner, who may read it, gets the whole report.
    const full = (await h.api('POST', `/api/v1/secrets/${id}/test`, ownerToken, {})).json();
    expect(full.secret.name).toBe('db-password');
    expect(full.checks[0].message).not.toBe('');
  });

  it('rate-limits tests per principal and secret', async () => {
    const limited = await testApp(kind, { TRESOR_TESTS_PER_MINUTE: '3' });
    try {
      const owner = await createUser(limited.tresor, limited.admin, 'o', ['SECRET_MANAGEMENT_CREATE']);
      const token = await limited.tokenFor(owner);
      const s = await limited.tresor.secrets.create(owner, {
        type: 'password',
        name: 'p',
        fields: { password: stored },
      });
      const other = await limited.tresor.secrets.create(owner, {
        type: 'password',
        name: 'q',
        fields: { password: stored },
      });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await limited.api('POST', `/api/v1/secrets/${s.id}/test`, token, {})).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect((await limited.api('POST', `/api/v1/secrets/${other.id}/test`, token, {})).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('leaks no canary in any answer', () => {
    expect(h.seen.join('\n')).not.toContain(stored);
  });
});
