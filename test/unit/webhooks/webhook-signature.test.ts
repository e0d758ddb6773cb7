/** The delivery signature and the retry schedule, checked against hand-computed values. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../../src/index.ts';
import { backoffMs, deliveryBody } from '../../../src/webhooks/webhook.dispatcher.ts';
import { newSigningSecret } from '../../../src/webhooks/webhook-signature.ts';

const secret = 'whsec_test-secret';
const body = '{"id":"7","event":"secret.updated"}';
const at = new Date('2026-12-04T12:00:00Z');
const t = Math.floor(at.getTime() / 1000);

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, as a receiver computes it by hand', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts its own signature, and one v1 of several while a secret is replaced', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, { now: at })).toEqual({ ok: true, timestamp: t });
    const other = signWebhook('whsec_other', body, t).split(',')[1];
    expect(verifyWebhookSignature(secret, `${header},${other}`, body, { now: at }).ok).toBe(true);
    expect(verifyWebhookSignature(secret, `t=${t},${other},${header.split(',')[1]}`, body, { now: at }).ok).toBe(true);
  });

  it('refuses another body, another secret, an old timestamp, and a header that is not one', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, `${body} `, { now: at })).toMatchObject({ ok: false });
    expect(verifyWebhookSignature('whsec_other', header, body, { now: at })).toMatchObject({ ok: false });
    const later = new Date(at.getTime() + 301_000);
    expect(verifyWebhookSignature(secret, header, body, { now: later })).toEqual({
      ok: false,
      reason: 'the timestamp is outside the tolerance',
    });
    expect(verifyWebhookSignature(secret, header, body, { now: later, toleranceSeconds: 600 }).ok).toBe(true);
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=${t},v1=zz`, `t=x,v1=${'0'.repeat(64)}`])
      expect(verifyWebhookSignature(secret, bad, body, { now: at }).ok).toBe(false);
  });

  it('makes signing secrets of 32 random bytes', () => {
    const a = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newSigningSecret()).not.toBe(a);
  });
});

describe('webhook retries', () => {
  it('waits 30 s, doubling each attempt, at most 6 h, spread by ±20 %', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 0.5))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(20, () => 0.5)).toBe(6 * 3_600_000);
    expect(backoffMs(1, () => 0)).toBe(24_000);
    expect(backoffMs(1, () => 1)).toBe(36_000);
  });

  it('sends id, event, time and the data recorded, and nothing else', () => {
    const sent = deliveryBody({
      id: 12,
      event: 'secret.deleted',
      createdAt: at,
      payload: { secret: { id: 's', name: 'n', type: 'password' } },
    });
    expect(JSON.parse(sent)).toEqual({
      id: '12',
      event: 'secret.deleted',
      createdAt: '2026-12-04T12:00:00.000Z',
      data: { secret: { id: 's', name: 'n', type: 'password' } },
    });
  });
});
