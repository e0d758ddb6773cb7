/** Expiry-notice recipients over the REST API: read by readers, replaced by updaters, checked, audited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('REST API: expiry-notice recipients on %s', (kind) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp(kind);
  });
  afterAll(() => h?.close());

  it('replaces and answers the list; bad addresses are refused naming the field; readers neither see nor change it', async () => {
    const owner = await createUser(h.tresor, h.admin, 'api-notice-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
    const token = await h.tokenFor(owner);
    const secret = await h.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'api-noticed',
      fields: { key: 'k' },
      expiresAt: new Date(Date.now() + 20 * 86_400_000),
    });
    const path = `/api/v1/secrets/${secret.id}/notice-recipients`;
    expect((await h.api('GET', path, token)).json()).toEqual({ recipients: [] });
    const put = await h.api('PUT', path, token, { recipients: ['B@example.test', 'a@example.test', 'b@example.test'] });
    expect([put.statusCode, put.json()]).toEqual([200, { recipients: ['a@example.test', 'b@example.test'] }]);

    const bad = await h.api('PUT', path, token, { recipients: ['a@example.test', 'nope'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ field: 'noticeRecipients', message: expect.stringContaining('e-mail') });
    expect((await h.api('GET', path, token)).json()).toEqual({ recipients: ['a@example.test', 'b@example.test'] });

    const reader = await createUser(h.tresor, h.admin, 'api-notice-reader');
    await h.tresor.shares.share(owner, secret.id, { user: reader.email });
    const readerToken = await h.tokenFor(reader);
    expect((await h.api('GET', path, readerToken)).statusCode).toBe(403);
    expect((await h.api('PUT', path, readerToken, { recipients: [] })).statusCode).toBe(403);
    const stranger = await h.tokenFor(await createUser(h.tresor, h.admin, 'api-notice-stranger'));
    expect((await h.api('GET', path, stranger)).statusCode).toBe(404);

    const changes = (await h.tresor.audit.query(h.admin, { action: 'secret.notice_recipients_changed' })).filter(
      (e) => e.targetId === secret.id,
    );
    expect(changes.map((e) => e.details)).toEqual([{ recipients: 2 }]);
  });
});
