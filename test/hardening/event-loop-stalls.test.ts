/**
 * No request freezes the server: every route of the OpenAPI document (and the UI's login)
 * gets a hostile request — the largest body allowed, 1,000-character passwords (zxcvbn's
 * worst case), a 14 KB Accept-Language, a gzip bomb for import, deep nesting, references
 * with hostile braces — while a 1 ms timer watches the event loop. Figure: the largest
 * stall any single request causes. The target is 50 ms; the assertion is generous
 * (a busy 2-core CI machine pauses for garbage collection too) but fails on the stalls that
 * were found: seconds of zxcvbn, gunzip and quadratic parsing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../../src/identity/principal.ts';
import { sealArchive } from '../../src/transfer/archive.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const acceptLanguage = Array.from({ length: 2000 }, (_, i) => `x${i};q=0.${i % 9}`).join(',');
const longPassword = `${'Correct-Horse-9-'.repeat(62)}!`; // 993 characters
const braces = '{{ secret'.repeat(50_000);

describe.each(databaseKinds)('event-loop stalls over every route on %s', (kind) => {
  let h: TestApp;
  let token: string;
  const stalls: { route: string; ms: number }[] = [];
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_TESTS_PER_MINUTE: '1000', TRESOR_PASSWORD_MIN_SCORE: '3' });
    const admin = h.admin as UserPrincipal;
    await h.tresor.groups.grant({ kind: 'system' }, { userId: admin.id }, 'SECRET_EXPORT');
    token = await h.tokenFor(admin);
  });
  afterAll(async () => {
    const worst = stalls.reduce((a, b) => (b.ms > a.ms ? b : a), { route: '-', ms: 0 });
    process.stdout.write(
      `[figures] event-loop stalls (${kind}): ${stalls.length} hostile requests over every route; largest stall ` +
        `${worst.ms.toFixed(1)} ms (${worst.route})\n`,
    );
    await h?.close();
  });

  /** The request's largest gap between two ticks of a 1 ms timer, less the 1 ms. */
  async function stallOf(send: () => Promise<unknown>): Promise<number> {
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - 1);
      last = now;
    }, 1);
    try {
      await send();
      worst = Math.max(worst, performance.now() - last - 1);
    } finally {
      clearInterval(timer);
    }
    return worst;
  }

  it('keeps every hostile request from stalling the event loop for long', async () => {
    const admin = h.admin as UserPrincipal;
    const other = await createUser(h.tresor, h.admin, 'stall-target');
    const group = await h.tresor.groups.create(h.admin, { name: `stall-${kind}` });
    const secret = await h.tresor.secrets.create(admin, {
      type: 'password',
      name: 'stall',
      fields: { username: 'u', password: longPassword },
    });
    const share = await h.tresor.shares.share(admin, secret.id, { user: other.email });
    const hook = await h.tresor.webhooks.create(admin, { url: 'https://127.0.0.1:9/x', events: ['secret.created'] });
    const bomb = await sealArchive(
      'a long enough passphrase',
      { secrets: ['x'.repeat(40 * 1024 * 1024)] },
      { secrets: 1, allVersions: false },
    );
    const ids: Record<string, string> = {
      id: secret.id,
      shareId: share.id,
      userId: other.id,
      group: group.name,
      permission: 'AUDIT_READ',
      delivery: '1',
    };
    const hostileFields = { username: braces.slice(0, 300), password: longPassword };
    const bodies: Record<string, unknown> = {
      'POST /api/v1/secrets': {
        type: 'password',
        name: 'stall-new',
        fields: hostileFields,
        description: braces.slice(0, 500),
      },
      'PATCH /api/v1/secrets/{id}': { fields: { password: longPassword }, description: 'd' },
      'POST /api/v1/secrets/{id}/test': { fields: { username: 'u', password: longPassword } },
      'POST /api/v1/secrets/test': { type: 'password', fields: hostileFields },
      'POST /api/v1/secrets/{id}/rollback': { version: 1 },
      'POST /api/v1/admin/import': { archive: bomb, passphrase: 'a long enough passphrase', dryRun: true },
      'POST /api/v1/admin/export': { passphrase: 'a long enough passphrase' },
      'POST /api/v1/users': { email: 'stall@example.test', password: longPassword },
      'POST /api/v1/auth/token': { email: 'nobody@example.test', password: longPassword },
    };
    const doc = (await h.request({ method: 'GET', url: '/api/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThan(40);
    // Every route twice: once with its hostile body, once with the largest body the server takes.
    for (const route of routes) {
      const [method, template] = route.split(' ') as [string, string];
      const url = template
        .replace('/webhooks/{id}', `/webhooks/${hook.endpoint.id}`)
        .replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(ids[key] ?? key));
      const withBody = method !== 'GET' && method !== 'DELETE';
      for (const body of withBody ? [bodies[route] ?? {}, { blob: 'x'.repeat(900_000) }] : [undefined]) {
        const ms = await stallOf(() =>
          h.api(method as 'POST', `${url}${method === 'GET' ? '?limit=1000' : ''}`, token, body, {
            'accept-language': acceptLanguage,
          }),
        );
        stalls.push({ route, ms });
      }
    }
    const page = await stallOf(() =>
      h.request({
        method: 'GET',
        url: '/login',
        headers: { accept: 'text/html', 'accept-language': acceptLanguage },
      }),
    );
    stalls.push({ route: 'GET /login', ms: page });
    const worst = [...stalls].sort((a, b) => b.ms - a.ms).slice(0, 3);
    // Generous on purpose; the figure above is the one that counts (target 50 ms).
    expect(worst[0]!.ms, JSON.stringify(worst)).toBeLessThan(1_000);
  }, 600_000);
});
