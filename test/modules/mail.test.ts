/** The mail module end to end: a real SMTP server on loopback with AUTH required, in each security mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailModule } from '../../src/modules/mail/mail.module.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { serverCertificate } from '../support/pki.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

describe.each(databaseKinds)('mail module on %s', (kind) => {
  let t: TestTresor;
  let tls: Awaited<ReturnType<typeof serverCertificate>>;
  const servers: TestSmtpServer[] = [];
  beforeAll(async () => {
    t = await testTresor(kind);
    tls = await serverCertificate();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await t?.close();
  });

  for (const security of ['none', 'starttls', 'tls'] as const) {
    it(`sends through the system SMTP secret with security ${security}; the server receives the stored password`, async () => {
      const password = `smtp-${security}-password`;
      const server = await startSmtpServer(security, { username: 'mailer', password }, tls);
      servers.push(server);
      const name = `relay-${security}`;
      await t.tresor.secrets.create(t.admin, {
        type: 'smtp',
        name,
        fields: {
          host: '127.0.0.1',
          port: server.port,
          security,
          username: 'mailer',
          password,
          from: 'tresor@example.test',
        },
      });
      const mail = mailModule(t.tresor.moduleContext, { ca: tls.ca });
      const sent = await mail.send(
        { to: 'ops@example.test', subject: `Hello over ${security}`, text: 'It works.' },
        { secret: name },
      );
      expect(sent.accepted).toEqual(['ops@example.test']);
      expect(server.received).toEqual([
        {
          from: 'tresor@example.test',
          to: ['ops@example.test'],
          subject: `Hello over ${security}`,
          text: 'It works.\n',
          username: 'mailer',
          password,
        },
      ]);
    });
  }

  it('uses the only SMTP secret usable by system when none is named, and records the use for module mail', async () => {
    const server = await startSmtpServer('none', { username: 'solo', password: 'solo-password' });
    servers.push(server);
    // A fresh store, so that exactly one SMTP secret is shared with system.
    const fresh = await testTresor(kind);
    try {
      await fresh.tresor.secrets.create(fresh.admin, {
        type: 'smtp',
        name: 'the-relay',
        fields: {
          host: '127.0.0.1',
          port: server.port,
          security: 'none',
          username: 'solo',
          password: 'solo-password',
          from: 'a@example.test',
        },
      });
      const sent = await mailModule(fresh.tresor.moduleContext).send({
        to: 'b@example.test',
        subject: 'default',
        text: 'x',
      });
      expect(sent.secret).toBe('the-relay');
      expect(server.received).toHaveLength(1);
      const used = await fresh.tresor.audit.query({ kind: 'system' }, { action: 'secret.used' });
      expect(used[0]).toMatchObject({ module: 'mail', targetName: 'the-relay', actorId: null });
      expect(used[0]!.actor).toMatch(/^group:/);
    } finally {
      await fresh.close();
    }
  });

  it('picks one relay by one rule: TRESOR_MAIL_RELAY, else a provided one, else the oldest stored one', async () => {
    const first = await startSmtpServer('none', { username: 'first', password: 'first-password' });
    const second = await startSmtpServer('none', { username: 'second', password: 'second-password' });
    const provided = await startSmtpServer('none', { username: 'env', password: 'env-password' });
    servers.push(first, second, provided);
    const smtp = (server: TestSmtpServer, user: string) => ({
      host: '127.0.0.1',
      port: server.port,
      security: 'none',
      username: user,
      password: `${user}-password`,
      from: `${user}@example.test`,
    });
    const message = { to: 'b@example.test', subject: 'which relay', text: 'x' };
    // Two stored SMTP secrets usable by system: the first one stays the relay (a second one made
    // every notice fail before), and one added later never takes notices over.
    const stored = await testTresor(kind);
    try {
      await stored.tresor.secrets.create(stored.admin, { type: 'smtp', name: 'relay-a', fields: smtp(first, 'first') });
      await stored.tresor.secrets.create(stored.admin, {
        type: 'smtp',
        name: 'relay-b',
        fields: smtp(second, 'second'),
      });
      expect((await mailModule(stored.tresor.moduleContext).send(message)).secret).toBe('relay-a');
      expect((await mailModule(stored.tresor.moduleContext, { relay: 'relay-b' }).send(message)).secret).toBe(
        'relay-b',
      );
      expect(second.received).toHaveLength(1);
    } finally {
      await stored.close();
    }
    // An environment-provided relay (the operator's configuration) is found, and comes first.
    const env = Object.fromEntries(
      Object.entries(smtp(provided, 'env')).map(([k, v]) => [`VAULT_MAIL__${k.toUpperCase()}`, String(v)]),
    );
    const withEnv = await testTresor(kind, { TRESOR_PROVIDER_ENV: 'VAULT_', VAULT_MAIL__TYPE: 'smtp', ...env });
    try {
      expect((await mailModule(withEnv.tresor.moduleContext).send(message)).secret).toBe('mail');
      await withEnv.tresor.secrets.create(withEnv.admin, {
        type: 'smtp',
        name: 'relay-a',
        fields: smtp(first, 'first'),
      });
      expect((await mailModule(withEnv.tresor.moduleContext).send(message)).secret).toBe('mail');
      expect(provided.received.map((m) => m.username)).toEqual(['env', 'env']);
    } finally {
      await withEnv.close();
    }
  });

  it('gives a clear authentication error for a wrong stored password, and uses an updated password without restart', async () => {
    const server = await startSmtpServer('none', { username: 'mailer', password: 'the-right-one' });
    servers.push(server);
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'smtp',
      name: 'relay-rotating',
      fields: {
        host: '127.0.0.1',
        port: server.port,
        security: 'none',
        username: 'mailer',
        password: 'an-old-one',
        from: 'x@example.test',
      },
    });
    const mail = mailModule(t.tresor.moduleContext);
    const error = await mail.send({ to: 'y@example.test', subject: 's', text: 't' }, { secret: 'relay-rotating' }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(error?.code).toBe('UPSTREAM_FAILED');
    expect(error?.message).toBe(
      `The SMTP server 127.0.0.1:${server.port} refused the username and password of secret "relay-rotating" (535); update the secret`,
    );
    expect(error?.message).not.toContain('an-old-one');
    await t.tresor.secrets.update(t.admin, s.id, { merge: true, fields: { password: 'the-right-one' } });
    await mail.send({ to: 'y@example.test', subject: 'after update', text: 't' }, { secret: 'relay-rotating' });
    expect(server.received.map((m) => [m.subject, m.password])).toEqual([['after update', 'the-right-one']]);
  });

  it('refuses to send for a principal that may not use the secret', async () => {
    const mail = mailModule(t.tresor.moduleContext);
    const outsider = await t.tresor.users.create(t.admin, { email: `outsider-${kind}@example.test` });
    await expect(
      mail.send(
        { to: 'z@example.test', subject: 's', text: 't' },
        { secret: 'relay-none', as: { kind: 'user', id: outsider.id } },
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('mail module and the egress policy', () => {
  it('refuses to connect to an SMTP server on loopback by default, before any connection', async () => {
    const server = await startSmtpServer('none', { username: 'mailer', password: 'pw' });
    const strict = await testTresor('pglite', { TRESOR_EGRESS_ALLOW: '' });
    try {
      await strict.tresor.secrets.create(strict.admin, {
        type: 'smtp',
        name: 'relay-local',
        fields: {
          host: '127.0.0.1',
          port: server.port,
          security: 'none',
          username: 'mailer',
          password: 'pw',
          from: 'a@example.test',
        },
      });
      const error = await mailModule(strict.tresor.moduleContext)
        .send({ to: 'b@example.test', subject: 's', text: 't' }, { secret: 'relay-local' })
        .then(
          () => undefined,
          (e: Error & { code?: string }) => e,
        );
      expect(error?.code).toBe('EGRESS_DENIED');
      expect(error?.message).toContain('127.0.0.1');
      expect(server.connections).toBe(0);
      expect(server.received).toEqual([]);
    } finally {
      await strict.close();
      await server.close();
    }
  });
});
