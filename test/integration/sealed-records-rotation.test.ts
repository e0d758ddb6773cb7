/**
 * Key rotation moves every data key, Tresor's own sealed records too: an OAuth2 connection's
 * tokens (sealed by the OAuth2 room, registered with rotation by its table) and a TOTP seed
 * open after a rotation, and no older key version stays in use.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GenericOAuth2 } from '../../credential-types/oauth2.ts';
import { systemPrincipal, type UserPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import {
  connectThrough,
  type OAuth2TestServer,
  oauth2Fields,
  startOAuth2Server,
  testRedirectUri,
} from '../support/oauth2-server.ts';

const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: at });

/** A key file (a source that can add versions, so the suite can rotate). */
function keyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tresor-record-keys-')), 'keys');
  writeFileSync(path, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return path;
}

describe.each(databaseKinds)('sealed records under key rotation on %s', (kind) => {
  let t: TestTresor;
  let server: OAuth2TestServer;

  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [testRedirectUri], accessTokenSeconds: 3600 });
    t = await testTresor(kind, {
      TRESOR_OUTBOUND_CA_FILE: server.caFile,
      TRESOR_MASTER_KEY: '',
      TRESOR_MASTER_KEY_FILE: keyFile(),
    });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('re-wraps an OAuth2 connection, a webhook signing secret and a TOTP seed, retires the old version, and opens both after', async () => {
    await t.tresor.secrets.create(t.admin, { type: 'oauth2', name: 'crm', fields: oauth2Fields(server) });
    await connectThrough(t.tresor, server, t.admin, 'crm');
    await t.tresor.webhooks.create(t.admin, { url: 'https://127.0.0.1:9/hook', events: ['secret.created'] });
    // A TOTP seed, sealed by the second-factor room.
    const person = { ...(t.admin as UserPrincipal), via: 'session' as const };
    const { secret } = await t.tresor.factors.begin(person);
    await t.tresor.factors.confirm(person, codeAt(secret, Date.now()));
    const before = await t.tresor.keys.status(systemPrincipal);

    const rotation = await t.tresor.keys.rotate(systemPrincipal);
    // The secret's two versions (created, connected) and the two sealed records.
    expect(rotation).toMatchObject({ targetVersion: before.currentVersion + 1, remaining: 0 });
    expect(rotation.rewrapped).toBeGreaterThanOrEqual(3);
    const after = await t.tresor.keys.status(systemPrincipal);
    expect(after.versions.filter((v) => v.retiredAt === null).map((v) => v.version)).toEqual([after.currentVersion]);

    // The connection's tokens open with the new key: a module gets a token the server takes.
    const { value } = await t.tresor.use(GenericOAuth2, t.admin, 'crm');
    expect(await server.accepts(value.accessToken!)).toBe(true);
    // The seed's data key is wrapped with the new version, and opens: the next step's code is taken.
    const [seed] = await t.database.handle.raw.query<{ kek_version: number }>('select kek_version from totp_factors');
    expect(seed?.kek_version).toBe(after.currentVersion);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30_000 });
    try {
      expect(await t.tresor.factors.verify(person.id, codeAt(secret, Date.now()))).toBe('totp');
    } finally {
      vi.useRealTimers();
    }
  });
});
