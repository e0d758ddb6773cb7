/**
 * `tresor users invite | invite-again | reset` in local mode (as Tresor itself, on the embedded
 * database): links go by mail through the relay the store holds, never to the terminal; a mail
 * that cannot go out is an error with a non-zero exit that says what to run next.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tresor } from '../support/cli.ts';
import { relaySecretFields, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

describe('tresor users invite and reset, local mode', () => {
  let smtp: TestSmtpServer;
  const env = {
    TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-users-')),
    TRESOR_LOG_LEVEL: 'error',
    TRESOR_EGRESS_ALLOW: '127.0.0.1',
  };
  beforeAll(async () => {
    smtp = await startSmtpServer('none', { username: 'cli-relay', password: 'cli-relay-password' });
  });
  afterAll(async () => smtp?.close());

  it('says the mail did not go out without a relay, then mails the invitation, and a reset link', async () => {
    const noRelay = await tresor(['users', 'invite', 'first@example.test', '--name', 'First'], env);
    expect(noRelay.code).not.toBe(0);
    expect(noRelay.stderr).toMatch(/could not be mailed .*then run: tresor users invite-again first@example\.test/);

    const fields = Object.entries(relaySecretFields(smtp)).filter(([key]) => key !== 'password');
    const relay = await tresor(
      [
        'secrets',
        'create',
        'relay',
        '--type',
        'smtp',
        ...fields.flatMap(([k, v]) => ['--field', `${k}=${v}`]),
        '-s',
        '-',
      ],
      env,
      smtp.accept.password,
    );
    expect(relay.stderr).not.toMatch(/^tresor:/m);
    expect(relay.code).toBe(0);

    const again = await tresor(['users', 'invite-again', 'first@example.test'], env);
    expect(again.stderr).not.toMatch(/^tresor:/m);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^first@example\.test: a link was mailed, valid until \d{4}-/);
    const invitation = smtp.received.at(-1)!;
    expect(invitation.to).toEqual(['first@example.test']);
    const token = /token=([A-Za-z0-9_-]{43})/.exec(invitation.text)![1]!;
    expect(again.stdout + again.stderr).not.toContain(token);

    // A reset is for whoever has a password; this invitee has none yet, so the reset link is mailed as well
    // and voids the invitation (the newest link is the one that works).
    const reset = await tresor(['users', 'reset', 'first@example.test'], env);
    expect(reset.code).toBe(0);
    expect(smtp.received.at(-1)!.subject).toBe('Reset your Tresor password');
    const unknown = await tresor(['users', 'reset', 'nobody@example.test'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/No user nobody@example\.test/);
  });
});
