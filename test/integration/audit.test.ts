import { and, asc, eq, gte, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { appendBatch, chainHash, contentOf } from '../../src/audit/audit-chain.ts';
import { auditActions } from '../../src/audit/audit-events.ts';
import { auditChainHead, auditEvents } from '../../src/db/schema/index.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { findCanaries } from '../support/leak-scan.ts';
import {
  connectThrough,
  type OAuth2TestServer,
  oauth2Fields,
  startOAuth2Server,
  testRedirectUri,
} from '../support/oauth2-server.ts';
import { createGroup, createUser } from '../support/principals.ts';
import { relaySecretFields, startSmtpServer } from '../support/smtp-server.ts';

describe.each(databaseKinds)('audit trail on %s', (kind) => {
  let t: TestTresor;
  let authorizationServer: OAuth2TestServer;
  beforeAll(async () => {
    authorizationServer = await startOAuth2Server({ redirectUris: [testRedirectUri] });
    t = await testTresor(kind, {
      TRESOR_MASTER_KEY: '',
      TRESOR_MASTER_KEY_FILE: await keyFile(),
      TRESOR_OUTBOUND_CA_FILE: authorizationServer.caFile,
      // Its tokens live 120 s: within this margin, every use refreshes.
      TRESOR_OAUTH2_REFRESH_MARGIN_SECONDS: '300',
    });
  });
  afterAll(async () => {
    await t?.close();
    await authorizationServer?.close();
  });

  async function keyFile(): Promise<string> {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { randomBytes } = await import('node:crypto');
    const path = join(mkdtempSync(join(tmpdir(), 'tresor-audit-')), 'keys');
    writeFileSync(path, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    return path;
  }

  it('records a row for every event type, with actor, target and outcome, and never a value', async () => {
    const canary = 'CANARY-audit-value';
    const owner = await createUser(t.tresor, t.admin, 'audited', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
      'SECRET_MANAGEMENT_DELETE',
    ]);
    const stranger = await createUser(t.tresor, t.admin, 'audit-stranger');
    const group = await createGroup(t.tresor, t.admin, 'audit-group');
    await t.tresor.groups.addMember(t.admin, group.name, stranger.id);
    await t.tresor.groups.removeMember(t.admin, group.name, stranger.id);
    await t.tresor.groups.grant(t.admin, { groupId: group.name }, 'AUDIT_READ');
    await t.tresor.groups.revoke(t.admin, { groupId: group.name }, 'AUDIT_READ');
    // An expiry notice, mailed through a real SMTP server, and who else is told.
    const expiring = await t.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'audited-expiring',
      fields: { key: canary },
      expiresAt: new Date(Date.now() + 3 * 86_400_000),
    });
    await t.tresor.notices.setRecipients(owner, expiring.id, ['ops@example.test']);
    // An OAuth2 secret connected, refreshed on use, refused its refresh (its notice goes with the run below).
    await t.tresor.secrets.create(owner, {
      type: 'oauth2',
      name: 'audited-oauth2',
      fields: oauth2Fields(authorizationServer),
    });
    await connectThrough(t.tresor, authorizationServer, owner, 'audited-oauth2');
    await t.tresor.usage.useAny(owner, 'audited-oauth2');
    authorizationServer.forgetRefreshTokens();
    await expect(t.tresor.usage.useAny(owner, 'audited-oauth2')).rejects.toMatchObject({ code: 'RECONNECT_REQUIRED' });
    const smtp = await startSmtpServer('none', { username: 'audit', password: 'audit-relay' });
    try {
      await t.tresor.secrets.create(t.admin, {
        type: 'smtp',
        name: 'audit-relay',
        fields: relaySecretFields(smtp),
      });
      // The expiry notice and the OAuth2 secret's needs-reconnect notice.
      expect((await t.tresor.notices.run()).sent).toBe(2);
      // An invitation, accepted through its mailed link; a reset link sent by an administrator.
      const { user: invitee } = await t.tresor.accounts.invite(t.admin, {
        email: `audited-invitee-${kind}@example.test`,
      });
      const link = /token=([A-Za-z0-9_-]{43})/.exec(smtp.received.at(-1)!.text)![1]!;
      await t.tresor.accounts.choosePassword(link, 'an invitee chose this');
      await t.tresor.accounts.sendReset(t.admin, invitee.id);
      // A second factor set up, a wrong code, a recovery code used, an administrator's removal.
      const holder = { kind: 'user' as const, id: invitee.id, via: 'session' as const };
      const { secret } = await t.tresor.factors.begin(holder);
      const { recoveryCodes } = await t.tresor.factors.confirm(
        holder,
        new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate(),
      );
      await expect(t.tresor.factors.verify(invitee.id, 'not-a-code')).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      await t.tresor.factors.verify(invitee.id, recoveryCodes[0]);
      await t.tresor.factors.removeFor(t.admin, invitee.id);
    } finally {
      await smtp.close();
    }
    const s = await t.tresor.secrets.create(owner, {
      type: 'password',
      name: 'audited-secret',
      fields: { password: canary },
    });
    await t.tresor.secrets.update(owner, s.id, { fields: { password: `${canary}-2` } });
    await t.tresor.secrets.rollback(owner, s.id, 1);
    const share = await t.tresor.shares.share(owner, s.id, { user: stranger.email });
    await t.tresor.shares.unshare(owner, s.id, share.id);
    await t.tresor.use(Password, owner, s.id, { module: 'test-module' });
    await t.tresor.tests.testStored(owner, s.id);
    // Edited values beside the kept password: refused, on record.
    await expect(t.tresor.tests.testStored(owner, s.id, { fields: { username: 'guess' } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(t.tresor.secrets.get(stranger, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await t.tresor.secrets.get(owner, s.id);
    await t.tresor.secrets.list(t.admin, { all: true });
    await expect(t.tresor.secrets.update(owner, s.id, { fields: { password: 12 } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await t.tresor.users.authenticate(stranger.email, 'correct horse battery staple');
    await t.tresor.users.authenticate(stranger.email, 'wrong password').catch(() => {});
    await t.tresor.sessions.destroySession('cookie', stranger);
    const token = await t.tresor.sessions.createToken(owner, { name: 'audited-token' });
    await t.tresor.sessions.revokeToken(owner, token.info.id);
    await t.tresor.users.setPassword(systemPrincipal, stranger.id, 'another long password');
    await t.tresor.users.setPassword({ ...stranger, via: 'session' }, stranger.id, 'a third long password', {
      currentPassword: 'another long password',
    });
    await t.tresor.users.setLocale(owner, 'de');
    await t.tresor.users.setDisabled(t.admin, stranger.id, true);
    await t.tresor.users.setDisabled(t.admin, stranger.id, false);
    await t.tresor.secrets.delete(owner, s.id);
    await t.tresor.groups.delete(t.admin, group.name);
    await t.tresor.keys.rotate(systemPrincipal);
    const moving = { passphrase: 'an audited passphrase' };
    const { archive } = await t.tresor.transfer.exportArchive(systemPrincipal, {
      ...moving,
      only: ['audited-expiring'],
    });
    await t.tresor.transfer.importArchive(systemPrincipal, archive, { ...moving, onConflict: 'rename' });

    await t.tresor.oauth2.disconnect(owner, 'audited-oauth2'); // forgotten
    // Webhook administration (the endpoint is never sent to: no delivery run here).
    const hook = await t.tresor.webhooks.create(t.admin, {
      url: 'https://127.0.0.1:9/hook',
      events: ['secret.created'],
    });
    await t.tresor.webhooks.update(t.admin, hook.endpoint.id, { enabled: false });
    await t.tresor.webhooks.rotateSecret(t.admin, hook.endpoint.id);
    await t.tresor.secrets.create(owner, { type: 'password', name: 'audited-hooked', fields: { password: canary } });
    await t.tresor.webhooks.update(t.admin, hook.endpoint.id, { enabled: true });
    await t.tresor.secrets.create(owner, { type: 'password', name: 'audited-hooked-2', fields: { password: canary } });
    const [queued] = await t.tresor.webhooks.deliveries(t.admin, hook.endpoint.id);
    await t.tresor.webhooks.redeliver(t.admin, hook.endpoint.id, queued!.id);
    await t.tresor.webhooks.remove(t.admin, hook.endpoint.id);
    // Spaces and their roles.
    await t.tresor.spaces.create(t.admin, { name: 'audited-space' });
    await t.tresor.spaces.setRole(t.admin, 'audited-space', { user: owner.email }, 'member');
    await t.tresor.spaces.removeRole(t.admin, 'audited-space', { user: owner.email });
    await t.tresor.spaces.rotateKey(t.admin, 'audited-space');
    await t.tresor.spaces.addEnvironment(t.admin, 'audited-space', 'production');
    await t.tresor.spaces.removeEnvironment(t.admin, 'audited-space', 'production');
    await t.tresor.spaces.setDefaultSpace(t.admin, 'audited-space');
    await t.tresor.spaces.setDefaultSpace(t.admin, null);
    await t.tresor.spaces.delete(t.admin, 'audited-space');
    // A request refused where it was read (the web edge calls this; see poisoned-string.test.ts).
    await t.tresor.refusals.malformed(owner, 'POST /api/v1/secrets', 'body.name');

    const entries = await t.tresor.audit.query(t.admin, { limit: 1000 });
    const seen = new Set(entries.map((e) => e.action));
    expect([...auditActions].filter((a) => !seen.has(a))).toEqual([]);
    const used = entries.find((e) => e.action === 'secret.used' && e.module === 'test-module')!;
    expect(used).toMatchObject({
      actorId: owner.id,
      targetId: s.id,
      targetName: 'audited-secret',
      outcome: 'success',
      module: 'test-module',
      details: { type: 'password', version: 3 },
    });
    expect(entries.find((e) => e.action === 'access.denied')).toMatchObject({
      actorId: stranger.id,
      outcome: 'denied',
      details: { operation: 'read' },
    });
    expect(entries.find((e) => e.action === 'auth.login_failed')).toMatchObject({
      outcome: 'failure',
      targetName: stranger.email,
    });
    expect(entries.find((e) => e.action === 'secret.updated')).toMatchObject({
      details: { version: 2, changedFields: ['password'] },
    });
    expect(findCanaries(JSON.stringify(entries), [canary, `${canary}-2`])).toEqual([]);
    // Queries by actor, secret, action and time.
    expect((await t.tresor.audit.query(t.admin, { targetId: s.id })).map((e) => e.action).reverse()).toEqual([
      'secret.created',
      'secret.updated',
      'secret.rolled_back',
      'secret.shared',
      'secret.unshared',
      'secret.used',
      'secret.tested',
      'secret.test_refused',
      'access.denied',
      'secret.read',
      'secret.update_refused',
      'secret.deleted',
    ]);
    expect((await t.tresor.audit.query(t.admin, { actorId: stranger.id, action: 'access.denied' })).length).toBe(1);
    expect((await t.tresor.audit.query(t.admin, { from: new Date(Date.now() + 60_000) })).length).toBe(0);
    await expect(t.tresor.audit.query(owner)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
  });

  it('writes the rows of 200 concurrent uses with group commit: one row per use, far fewer inserts', async () => {
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'password',
      name: 'hot-secret',
      fields: { password: 'p' },
    });
    const before = t.tresor.audit.stats();
    await Promise.all(Array.from({ length: 200 }, () => t.tresor.use(Password, t.admin, s.id)));
    const after = t.tresor.audit.stats();
    expect(after.rows - before.rows).toBe(200);
    expect(after.batches - before.batches).toBeLessThan(50);
    const rows = await t.database.handle.raw.query<{ n: number }>(
      "select count(*)::int as n from audit_events where action = 'secret.used' and target_id = $1",
      [s.id],
    );
    expect(rows[0]!.n).toBe(200);
    expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
  });

  it('fails closed: when the audit row cannot be written, the operation fails and nothing changes', async () => {
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'password',
      name: 'audit-down',
      fields: { password: 'kept' },
    });
    await t.database.handle.raw.query(
      "create or replace function tresor_test_audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit storage unavailable'; end $$",
    );
    await t.database.handle.raw.query(
      'create trigger tresor_test_audit_down before insert on audit_events for each row execute function tresor_test_audit_down()',
    );
    try {
      await expect(
        t.tresor.secrets.create(t.admin, { type: 'password', name: 'never-created', fields: { password: 'x' } }),
      ).rejects.toThrow();
      await expect(t.tresor.secrets.update(t.admin, s.id, { fields: { password: 'changed' } })).rejects.toThrow();
      await expect(t.tresor.secrets.delete(t.admin, s.id)).rejects.toThrow();
      await expect(t.tresor.use(Password, t.admin, s.id)).rejects.toThrow();
    } finally {
      await t.database.handle.raw.query('drop trigger tresor_test_audit_down on audit_events');
    }
    await expect(t.tresor.secrets.get(t.admin, 'never-created')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.tresor.secrets.get(t.admin, s.id)).version).toBe(1);
    expect((await t.tresor.use(Password, t.admin, s.id)).value.password).toBe('kept');
  });

  describe('the hash chain', () => {
    async function rowIds(): Promise<number[]> {
      return (
        await t.database.handle.raw.query<{ id: number }>('select id::int as id from audit_events order by id')
      ).map((r) => r.id);
    }

    /** Cuts the damage off for the next cases: drops rows from `id` on and points each lane's head at its last row left. */
    async function cutFrom(id: number): Promise<void> {
      await t.database.handle.raw.query('delete from audit_events where id >= $1', [id]);
      await t.database.handle.raw.query(
        "update audit_chain_head h set (last_id, hash) = (select coalesce(max(e.id), 0), coalesce((select hash from audit_events where lane = h.id order by id desc limit 1), decode(repeat('00', 32), 'hex')) from audit_events e where e.lane = h.id)",
      );
      expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
    }

    /** Rows as the database appends them, for the hand-made appends below. */
    const batchOf = (...names: string[]) =>
      appendBatch(
        names.map((name) => ({
          at: new Date(),
          actorId: null,
          actorLabel: 'system',
          principal: null,
          action: 'secret.used',
          targetId: null,
          targetName: name,
          outcome: 'success',
          module: null,
          requestId: null,
          clientAddress: null,
          details: {},
        })),
      );

    it('detects an edited row', async () => {
      const ids = await rowIds();
      const victim = ids[Math.floor(ids.length / 2)]!;
      await t.database.handle.raw.query(
        "update audit_events set outcome = 'success', target_name = 'innocent' where id = $1",
        [victim],
      );
      const result = await t.tresor.audit.verify(t.admin);
      expect(result).toMatchObject({
        ok: false,
        firstBad: { id: victim, problem: 'its content does not match its hash: the row was edited' },
      });
      await cutFrom(victim);
    });

    it('detects a deleted row', async () => {
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-a', fields: { password: 'p' } });
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-b', fields: { password: 'p' } });
      expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
      const ids = await rowIds();
      await t.database.handle.raw.query('delete from audit_events where id = $1', [ids.at(-2)]);
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({
        ok: false,
        firstBad: { id: ids.at(-1), problem: expect.stringMatching(/^does not follow the previous row/) },
      });
      await cutFrom(ids.at(-1)!);
    });

    it('detects rows cut off the end of the chain', async () => {
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-end', fields: { password: 'p' } });
      const ids = await rowIds();
      await t.database.handle.raw.query('delete from audit_events where id = $1', [ids.at(-1)]);
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({
        ok: false,
        firstBad: { id: ids.at(-1), problem: expect.stringMatching(/rows were deleted from the end/) },
      });
      await cutFrom(ids.at(-1)!);
    });

    it('keeps one chain under concurrent appends from changes and group commit', async () => {
      const s = await t.tresor.secrets.create(t.admin, {
        type: 'password',
        name: 'chain-busy',
        fields: { password: 'p' },
      });
      await Promise.all([
        ...Array.from({ length: 60 }, () => t.tresor.use(Password, t.admin, s.id)),
        ...Array.from({ length: 10 }, (_, i) =>
          t.tresor.secrets.create(t.admin, { type: 'password', name: `chain-busy-${i}`, fields: { password: 'p' } }),
        ),
      ]);
      const verified = await t.tresor.audit.verify(t.admin);
      expect(verified).toMatchObject({ ok: true });
      const head = await t.database.handle.raw.query<{ last_id: number }>(
        'select max(last_id)::int as last_id from audit_chain_head',
      );
      expect(head[0]!.last_id).toBe((await rowIds()).at(-1));
    });

    // PostgreSQL only: PGlite has one connection, so no second transaction can hold a lane meanwhile.
    if (kind === 'postgres')
      it('appends on another lane while a transaction holds the first, without waiting for it', async () => {
        const s = await t.tresor.secrets.create(t.admin, {
          type: 'password',
          name: 'lane-free',
          fields: { password: 'p' },
        });
        if (t.database.handle.driver.kind !== 'postgres') throw new Error('expected PostgreSQL');
        const held = await t.database.handle.driver.client.reserve();
        try {
          await held`begin`;
          await held`select tresor_audit_append(${batchOf('held-open')}, true)`;
          const [heldRow] = await held<
            { lane: number }[]
          >`select lane from audit_events where target_name = 'held-open'`;
          // Returns while the other transaction still holds its lane: the use went to another one.
          await t.tresor.use(Password, t.admin, s.id);
          const used = await t.database.handle.raw.query<{ lane: number }>(
            "select lane from audit_events where action = 'secret.used' and target_id = $1",
            [s.id],
          );
          expect(used).toHaveLength(1);
          expect(used[0]!.lane).not.toBe(heldRow!.lane);
          await held`commit`;
        } finally {
          held.release();
        }
        expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: true });
      });

    it('keeps to one lane within a transaction that appends twice', async () => {
      await t.tresor.database.db.transaction(async (tx) => {
        await tx.execute(sql`select tresor_audit_append(${batchOf('twice-1')}, true)`);
        await tx.execute(sql`select tresor_audit_append(${batchOf('twice-2')}, true)`);
      });
      const lanes = await t.database.handle.raw.query<{ lane: number }>(
        "select distinct lane from audit_events where target_name like 'twice-%'",
      );
      expect(lanes).toHaveLength(1);
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: true });
    });

    it('detects rows cut off the end of a lane other than the first, and a lane head deleted', async () => {
      // Two rows on lane 2 by hand: the setting is how a transaction remembers the lane it took.
      await t.tresor.database.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('tresor.audit_lane', '2', true)`);
        await tx.execute(sql`select tresor_audit_append(${batchOf('lane2-a', 'lane2-b')}, true)`);
      });
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: true });
      const [last] = await t.database.handle.raw.query<{ id: number }>(
        "select id::int as id from audit_events where target_name = 'lane2-b' and lane = 2",
      );
      expect(last).toBeDefined();
      await t.database.handle.raw.query('delete from audit_events where id = $1', [last!.id]);
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({
        ok: false,
        firstBad: { id: last!.id, problem: expect.stringMatching(/rows were deleted from the end/) },
      });
      await cutFrom(last!.id);
      const [before] = await t.database.handle.raw.query<{ last_id: string; hash: Uint8Array }>(
        'select last_id, hash from audit_chain_head where id = 7',
      );
      await t.database.handle.raw.query('delete from audit_chain_head where id = 7');
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({
        ok: false,
        firstBad: { problem: 'the head of lane 7 is missing: it was deleted outside Tresor' },
      });
      await t.database.handle.raw.query('insert into audit_chain_head (id, last_id, hash) values (7, $1, $2)', [
        before!.last_id,
        before!.hash,
      ]);
      expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
    });

    it('detects a well-linked row added after its lane head, outside Tresor', async () => {
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-forged', fields: { password: 'p' } });
      const [last] = await t.database.handle.raw.query<{ id: string; lane: number; hash: Uint8Array }>(
        'select id, lane, hash from audit_events order by id desc limit 1',
      );
      // A forger who knows the chain: the row links to the lane's last hash, but the head was not moved.
      const row = {
        at: new Date(),
        actorId: null,
        actorLabel: 'system',
        principal: null,
        action: 'secret.deleted',
        targetId: null,
        targetName: 'forged',
        outcome: 'success',
        module: null,
        requestId: null,
        clientAddress: null,
        details: {},
      };
      const prev = Buffer.from(last!.hash);
      await t.database.handle.raw.query(
        "insert into audit_events (at, actor_label, action, target_name, outcome, details, prev_hash, hash, lane) values ($1, 'system', 'secret.deleted', 'forged', 'success', '{}'::jsonb, $2, $3, $4)",
        [row.at.toISOString(), prev, chainHash(prev, contentOf(row)), last!.lane],
      );
      const ids = await rowIds();
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({
        ok: false,
        firstBad: {
          id: ids.at(-1),
          problem: `comes after the head of lane ${last!.lane}: it was added outside Tresor`,
        },
      });
      await cutFrom(ids.at(-1)!);
    });

    it('finds a trail rewritten after an export, chain, heads and all, by comparing with the exported copy', async () => {
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-exported', fields: { password: 'p' } });
      const exported: { id: number; hash: string; lane: number; prevHash: string }[] = [];
      for await (const e of t.tresor.audit.export(t.admin)) exported.push(e);
      expect(exported.length).toBeGreaterThan(3);
      expect(
        exported.every((e) => /^[0-9a-f]{64}$/.test(e.hash) && /^[0-9a-f]{64}$/.test(e.prevHash) && e.lane >= 1),
      ).toBe(true);
      const copy = async function* () {
        yield* exported;
      };
      expect(await t.tresor.audit.compareWithExport(t.admin, copy())).toEqual({ ok: true, rows: exported.length });

      // A forger with write access: edits a row, then re-links every later row of its lane and moves the head.
      const db = t.database.handle.db;
      const victim = exported[Math.floor(exported.length / 2)]!;
      const later = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.lane, victim.lane), gte(auditEvents.id, victim.id)))
        .orderBy(asc(auditEvents.id));
      let prev = later[0]!.prevHash;
      for (const [i, row] of later.entries()) {
        const edited = i === 0 ? { ...row, targetName: 'innocent' } : row;
        const hash = chainHash(prev, contentOf(edited));
        await db
          .update(auditEvents)
          .set({ targetName: edited.targetName, prevHash: prev, hash })
          .where(eq(auditEvents.id, row.id));
        prev = hash;
      }
      await db.update(auditChainHead).set({ hash: prev }).where(eq(auditChainHead.id, victim.lane));
      // The chain alone is fooled…
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: true });
      // …the copy is not.
      expect(await t.tresor.audit.compareWithExport(t.admin, copy())).toMatchObject({
        ok: false,
        firstBad: {
          id: victim.id,
          problem: 'differs from the exported copy: the trail was rewritten after the export',
        },
      });
      await cutFrom(victim.id);
    });

    it('detects a row moved to another lane', async () => {
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-moved', fields: { password: 'p' } });
      const ids = await rowIds();
      await t.database.handle.raw.query('update audit_events set lane = lane % 16 + 1 where id = $1', [ids.at(-1)]);
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: false, firstBad: { id: ids.at(-1) } });
      await t.database.handle.raw.query('update audit_events set lane = (lane + 14) % 16 + 1 where id = $1', [
        ids.at(-1),
      ]);
      expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
    });

    it('detects a row inserted out of order', async () => {
      await t.tresor.secrets.create(t.admin, { type: 'password', name: 'chain-c', fields: { password: 'p' } });
      expect((await t.tresor.audit.verify(t.admin)).ok).toBe(true);
      // A forged row copied from the last one, slipped in at the end with its own id.
      await t.database.handle.raw.query(
        "insert into audit_events (at, actor_id, actor_label, principal, action, target_id, target_name, outcome, module, request_id, client_address, details, prev_hash, hash) select at, actor_id, actor_label, principal, 'secret.deleted', target_id, target_name, outcome, module, request_id, client_address, details, prev_hash, hash from audit_events order by id desc limit 1",
      );
      const ids = await rowIds();
      expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: false, firstBad: { id: ids.at(-1) } });
    });
  });
});

describe.each(databaseKinds)('audit durability on %s', (kind) => {
  let t: TestTresor;
  afterAll(() => t?.close());

  /** Records, for every audit row, whether its transaction waits for the WAL flush. */
  async function watchSynchronousCommit(): Promise<() => Promise<Record<string, string[]>>> {
    const raw = t.database.handle.raw;
    await raw.query('create table tresor_test_sync (action text, sync text)');
    await raw.query(
      "create or replace function tresor_test_sync() returns trigger language plpgsql as $$ begin insert into tresor_test_sync values (new.action, current_setting('synchronous_commit')); return new; end $$",
    );
    await raw.query(
      'create trigger tresor_test_sync after insert on audit_events for each row execute function tresor_test_sync()',
    );
    return async () => {
      const rows = await raw.query<{ action: string; sync: string }>('select action, sync from tresor_test_sync');
      const byAction: Record<string, string[]> = {};
      for (const r of rows) {
        const seen = byAction[r.action] ?? [];
        byAction[r.action] = seen;
        if (!seen.includes(r.sync)) seen.push(r.sync);
      }
      return byAction;
    };
  }

  it('with TRESOR_AUDIT_DURABILITY=commit, uses skip the flush wait, changes never do, and the chain holds', async () => {
    t = await testTresor(kind, { TRESOR_AUDIT_DURABILITY: 'commit' });
    const seen = await watchSynchronousCommit();
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'password',
      name: 'async-audit',
      fields: { password: 'p' },
    });
    await Promise.all(Array.from({ length: 40 }, () => t.tresor.use(Password, t.admin, s.id)));
    await t.tresor.secrets.update(t.admin, s.id, { fields: { password: 'q' } });
    const sync = await seen();
    expect(sync['secret.used']).toEqual(['off']);
    expect(sync['secret.created']).not.toContain('off');
    expect(sync['secret.updated']).not.toContain('off');
    expect(await t.tresor.audit.verify(t.admin)).toMatchObject({ ok: true });
  });

  it('by default, every audit row waits for the flush', async () => {
    await t?.close();
    t = await testTresor(kind);
    const seen = await watchSynchronousCommit();
    const s = await t.tresor.secrets.create(t.admin, {
      type: 'password',
      name: 'sync-audit',
      fields: { password: 'p' },
    });
    await Promise.all(Array.from({ length: 10 }, () => t.tresor.use(Password, t.admin, s.id)));
    const sync = await seen();
    expect(sync['secret.used']).not.toContain('off');
    expect(sync['secret.created']).not.toContain('off');
  });
});
