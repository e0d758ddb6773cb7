/**
 * One request must not freeze the server. Over HTTP, on PGlite (the embedded default, one
 * process): a user without permission is refused before the key is looked at; keys whose
 * derivation cost was raised are refused unopened, naming the field; an ordinary encrypted
 * key is opened in the hook worker while the event loop keeps turning; many BEGIN lines
 * without an END parse in linear time. The event loop's longest stall during each request is
 * measured with perf_hooks.monitorEventLoopDelay and compared with the work done by hand on
 * the event loop in the same run (a ratio, never a wall-clock limit).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import sshpk from 'sshpk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyCost, keyCostLimits, pemBlocks } from '../../src/credentials/index.ts';
import { withBcryptRounds, withPbkdf2Iterations } from '../support/hostile-keys.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';
import { sshKey } from '../support/ssh-keys.ts';

const stalls: Record<string, number> = {};

/** Runs `fn` while recording the event loop's delays; returns its result and the longest stall (ms). */
async function watching<T>(fn: () => Promise<T>): Promise<{ result: T; maxStallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await fn();
    return { result, maxStallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

describe('hostile input over HTTP (PGlite)', () => {
  let h: TestApp;
  let admin: string;
  let nobody: string;
  const key = sshKey('ed25519');

  beforeAll(async () => {
    h = await testApp('pglite');
    admin = await h.tokenFor(h.admin);
    nobody = await h.tokenFor(await createUser(h.tresor, h.admin, 'nobody'));
  });
  afterAll(async () => {
    process.stdout.write(
      `[figures] event-loop stall per hostile request (ms): ${JSON.stringify(Object.fromEntries(Object.entries(stalls).map(([k, v]) => [k, Math.round(v)])))}\n`,
    );
    await h?.close();
  });

  const sshBody = (privateKey: string, passphrase?: string) => ({
    type: 'ssh-key',
    name: `k-${Math.random().toString(36).slice(2, 10)}`,
    fields: { privateKey, ...(passphrase ? { passphrase } : {}) },
  });

  it('refuses a user without permission before looking at the key', async () => {
    const hostile = withBcryptRounds(key.opensshEncrypted('pw'), 2 ** 31 - 1);
    const { result, maxStallMs } = await watching(() =>
      h.api('POST', '/api/v1/secrets', nobody, sshBody(hostile, 'pw')),
    );
    stalls['no permission, 2^31 rounds'] = maxStallMs;
    expect(result.statusCode).toBe(403);
  });

  it('refuses keys whose derivation cost was raised, unopened, naming the field', async () => {
    const rounds = withBcryptRounds(key.opensshEncrypted('pw'), 150);
    const iterations = withPbkdf2Iterations(key.pkcs8Encrypted('pw'), 5_000_000);
    expect(keyCost(rounds)).toEqual({ kind: 'bcrypt', rounds: 150 });
    expect(keyCost(iterations)).toEqual({ kind: 'pbkdf2', iterations: 5_000_000 });
    for (const [label, text, limit] of [
      ['150 bcrypt rounds', rounds, String(keyCostLimits.bcryptRounds)],
      ['5,000,000 PBKDF2 iterations', iterations, String(keyCostLimits.pbkdf2Iterations)],
    ] as const) {
      const { result, maxStallMs } = await watching(() => h.api('POST', '/api/v1/secrets', admin, sshBody(text, 'pw')));
      stalls[label] = maxStallMs;
      expect(result.statusCode, result.body).toBe(422);
      expect(result.json().error).toMatchObject({ field: 'fields.privateKey' });
      expect(result.json().error.message).toContain(limit);
    }
  });

  it('opens an ordinary encrypted key in the hook worker: the event loop stalls far less than the opening takes', async () => {
    // The work by hand, on the event loop, in this run: bcrypt-pbkdf at the highest cost allowed.
    const text = withBcryptRounds(key.opensshEncrypted('pw'), keyCostLimits.bcryptRounds);
    const started = performance.now();
    expect(() => sshpk.parsePrivateKey(text, 'openssh', { passphrase: 'pw' })).toThrow();
    const onLoopMs = performance.now() - started;
    const { result, maxStallMs } = await watching(() => h.api('POST', '/api/v1/secrets', admin, sshBody(text, 'pw')));
    stalls[
      `${keyCostLimits.bcryptRounds} rounds (opened in the worker; ${Math.round(onLoopMs)} ms by hand on the loop)`
    ] = maxStallMs;
    expect(result.statusCode, result.body).toBe(422);
    expect(result.json().error).toMatchObject({ field: 'fields.passphrase' });
    expect(maxStallMs).toBeLessThan(onLoopMs / 4);

    // And a real key with its right passphrase goes in, with its facts derived once.
    const good = await h.api('POST', '/api/v1/secrets', admin, sshBody(key.opensshEncrypted('right one'), 'right one'));
    expect(good.statusCode, good.body).toBe(201);
    const shown = await h.api('GET', `/api/v1/secrets/${good.json().id}`, admin);
    expect(shown.json().facts.fingerprint).toBe(key.fingerprint);
  }, 120_000);

  it('reads PEM text with thousands of BEGIN lines and no END in linear time', () => {
    const one = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(60)}\n`;
    const small = one.repeat(4000);
    const large = one.repeat(32000);
    // The best of several runs: the least disturbed by whatever else the machine is doing.
    const best = (text: string) => {
      let fastest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        expect(pemBlocks(text)).toEqual([]);
        fastest = Math.min(fastest, performance.now() - started);
      }
      return fastest;
    };
    best(small);
    const ratio = best(large) / Math.max(best(small), 0.05);
    stalls['PEM ratio, 8x the text (linear ~8, quadratic ~64)'] = ratio;
    expect(ratio).toBeLessThan(32);
  });
});
