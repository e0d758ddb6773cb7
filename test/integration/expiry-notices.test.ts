/**
 * Expiry notices (issue "The life of a secret", part 1) against a real SMTP server, with a
 * clock the test moves: each stage mailed once to the owner and the notice recipients,
 * through the SMTP secret usable by `system`, never a value in the mail, each audited; a
 * failed mail is tried again; two Tresors on one database send each notice once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';
import { createAdmin, databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';
import { relaySecretFields, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const day = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * day);

describe.each(databaseKinds)('expiry notices on %s', (kind) => {
  let t: TestTresor;
  let smtp: TestSmtpServer;
  let owner: { kind: 'user'; id: string; email: string };
  const canaries: string[] = [];
  beforeAll(async () => {
    t = await testTresor(kind, { TRESOR_PUBLIC_URL: 'https://tresor.example.test' });
    smtp = await startSmtpServer('none', { username: 'notices', password: 'relay-password' });
    canaries.push('relay-password');
    const admin = await createAdmin(t.tresor, `notices-admin-${kind}@example.test`);
    await t.tresor.secrets.create(admin, {
      type: 'smtp',
      name: 'notices-relay',
      fields: relaySecretFields(smtp),
    });
    owner = await createUser(t.tresor, t.admin, 'key-owner', ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE']);
  });
  afterAll(async () => {
    // No mail ever carried a value: not the keys expiring, not the relay's own password.
    expect(findCanaries(JSON.stringify(smtp.received.map((m) => [m.subject, m.text])), canaries)).toEqual([]);
    await smtp?.close();
    await t?.close();
  });

  const expiring = async (name: string, expiresAt: Date) => {
    const key = `CANARY-notice-${name}`;
    canaries.push(key);
    return t.tresor.secrets.create(owner, { type: 'api-key', name, fields: { key }, expiresAt });
  };
  const mailsAbout = (name: string) => smtp.received.filter((m) => m.subject.includes(`"${name}"`));

  it('mails each stage once — 30, 7 and 1 days before and on the day — to the owner and the recipients', async () => {
    const start = new Date();
    const secret = await expiring('stage-key', at(start, 10));
    expect(await t.tresor.notices.setRecipients(owner, secret.id, ['Team@Example.test', 'ops@example.test'])).toEqual([
      'ops@example.test',
      'team@example.test',
    ]);
    const run = async (days: number) => (await t.tresor.notices.run({ now: at(start, days) })).sent;

    expect(await run(0)).toBeGreaterThanOrEqual(1);
    expect(mailsAbout('stage-key').map((m) => m.subject)).toEqual(['Secret "stage-key" expires in 10 days']);
    const first = mailsAbout('stage-key')[0]!;
    expect(first.to.sort()).toEqual([owner.email, 'ops@example.test', 'team@example.test'].sort());
    expect(first.from).toBe('tresor@example.test');
    expect(first.text).toContain(`https://tresor.example.test/secrets/${secret.id}`);
    expect(first.text).toContain('(API key) expires on');

    // The same day again, and a later day of the same stage: nothing more.
    await run(0);
    await run(2);
    expect(mailsAbout('stage-key')).toHaveLength(1);
    await run(3.5);
    await run(9.5);
    await run(10.01);
    await run(11);
    expect(mailsAbout('stage-key').map((m) => m.subject)).toEqual([
      'Secret "stage-key" expires in 10 days',
      'Secret "stage-key" expires in 7 days',
      'Secret "stage-key" expires tomorrow',
      'Secret "stage-key" has expired',
    ]);
    const audited = (await t.tresor.audit.query(t.admin, { action: 'secret.expiry_notice_sent', limit: 50 })).filter(
      (e) => e.targetId === secret.id,
    );
    expect(audited.map((e) => e.details)).toEqual(
      [30, 7, 1, 0]
        .reverse()
        .map((daysBefore) => ({ daysBefore, expiresAt: secret.expiresAt!.toISOString(), recipients: 3 })),
    );
    expect(audited.every((e) => e.actor === 'system')).toBe(true);

    // A new expiry date starts the stages over.
    await t.tresor.secrets.update(owner, secret.id, { expiresAt: at(start, 40) });
    await run(11);
    expect(mailsAbout('stage-key').at(-1)!.subject).toBe('Secret "stage-key" expires in 29 days');
  });

  it('sends only the stage due now to a secret that was never in time for the earlier ones', async () => {
    const start = new Date();
    await expiring('late-key', at(start, 3));
    await t.tresor.notices.run({ now: start });
    expect(mailsAbout('late-key').map((m) => m.subject)).toEqual(['Secret "late-key" expires in 3 days']);
    await t.tresor.notices.run({ now: at(start, 1) });
    expect(mailsAbout('late-key')).toHaveLength(1);
  });

  it("names a secret outside the default space as space/name: which team's key expires", async () => {
    const start = new Date();
    await t.tresor.spaces.create(t.admin, { name: 'notice-team' });
    await t.tresor.spaces.setRole(t.admin, 'notice-team', { user: owner.email }, 'member');
    const key = 'CANARY-notice-spaced';
    canaries.push(key);
    await t.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'late-key',
      space: 'notice-team',
      fields: { key },
      expiresAt: at(start, 3),
    });
    await t.tresor.notices.run({ now: start });
    const mails = mailsAbout('notice-team/late-key');
    expect(mails.map((m) => m.subject)).toEqual(['Secret "notice-team/late-key" expires in 3 days']);
    expect(mails[0]!.text).toContain('The secret "notice-team/late-key" (API key)');
  });

  it("takes the expiry a secret's values carry: an API key's expires-on date", async () => {
    const start = new Date();
    const on = at(start, 5).toISOString().slice(0, 10);
    canaries.push('CANARY-carried');
    const key = await t.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'carried-key',
      fields: { key: 'CANARY-carried', expiresOn: on },
    });
    expect(key.expiresAt?.toISOString().slice(0, 10)).toBe(on);
    await t.tresor.notices.run({ now: start });
    expect(mailsAbout('carried-key').map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Secret "carried-key" expires in [56] days$/),
    ]);
  });

  it('tries a notice again after the mail failed, and records only what went out', async () => {
    const start = new Date();
    const secret = await expiring('retry-key', at(start, 5));
    smtp.accept = { username: 'notices', password: 'rotated-elsewhere' };
    const failed = await t.tresor.notices.run({ now: start });
    expect(failed).toMatchObject({ ran: true, sent: 0 });
    expect(failed.failed).toBeGreaterThanOrEqual(1);
    expect(mailsAbout('retry-key')).toHaveLength(0);
    smtp.accept = { username: 'notices', password: 'relay-password' };
    expect((await t.tresor.notices.run({ now: start })).failed).toBe(0);
    expect(mailsAbout('retry-key')).toHaveLength(1);
    const audited = await t.tresor.audit.query(t.admin, { action: 'secret.expiry_notice_sent', limit: 100 });
    expect(audited.filter((e) => e.targetId === secret.id)).toHaveLength(1);
  });

  it('sends each notice once when two Tresors on one database run at the same moment', async () => {
    const start = new Date();
    for (let i = 0; i < 12; i++) await expiring(`pair-key-${i}`, at(start, 6 + i / 100));
    const other = await createTresor(t.tresor.config, {
      database: t.database.handle,
      logger: createLogger('silent'),
    });
    try {
      const later = at(start, 0.5);
      const results = await Promise.all([t.tresor.notices.run({ now: later }), other.notices.run({ now: later })]);
      // One took the run's lock and sent all twelve, or both ran one after the other; never twice.
      expect(results.reduce((n, r) => n + r.sent, 0)).toBe(12);
    } finally {
      await other.close();
    }
    for (let i = 0; i < 12; i++) expect(mailsAbout(`pair-key-${i}`)).toHaveLength(1);
  });

  it('keeps who else is told on the secret: seen and set by updaters only, checked', async () => {
    const secret = await expiring('recipients-key', at(new Date(), 100));
    await expect(t.tresor.notices.setRecipients(owner, secret.id, ['not-an-address'])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'noticeRecipients',
    });
    await expect(
      t.tresor.notices.setRecipients(
        owner,
        secret.id,
        Array.from({ length: 21 }, (_, i) => `p${i}@example.test`),
      ),
    ).rejects.toMatchObject({ field: 'noticeRecipients', message: expect.stringContaining('at most 20') });
    expect(await t.tresor.notices.recipients(owner, secret.id)).toEqual([]);
    const reader = await createUser(t.tresor, t.admin, 'recipients-reader');
    await t.tresor.shares.share(owner, secret.id, { user: reader.email });
    await t.tresor.notices.setRecipients(owner, secret.id, ['ops@example.test']);
    expect(await t.tresor.notices.recipients(owner, secret.id)).toEqual(['ops@example.test']);
    await expect(t.tresor.notices.recipients(reader, secret.id)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(t.tresor.notices.setRecipients(reader, secret.id, [])).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    const stranger = await createUser(t.tresor, t.admin, 'recipients-stranger');
    await expect(t.tresor.notices.recipients(stranger, secret.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
