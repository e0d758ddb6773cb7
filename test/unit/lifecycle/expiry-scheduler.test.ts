/** The expiry-notice timer: first run soon after start, then every interval; a failed run is logged; stop stops it. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dueStage } from '../../../src/lifecycle/expiry-notices.service.ts';
import { scheduleExpiryNotices } from '../../../src/lifecycle/expiry-scheduler.ts';
import { createLogger } from '../../../src/logger.ts';

describe('the expiry-notice scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs first after firstRunMs, then every interval, survives a failed run, and stops', async () => {
    let calls = 0;
    const run = vi.fn(async () => {
      calls++;
      if (calls === 2) throw new Error('database away');
      return { ran: true, sent: 0, failed: 0, nobody: 0 };
    });
    const logger = createLogger('silent');
    const errors = vi.spyOn(logger, 'error');
    const scheduler = scheduleExpiryNotices(run, { intervalMs: 60_000, firstRunMs: 5_000, logger });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(55_000);
    expect(calls).toBe(2); // the interval's first tick, at 60 s, failed: logged, not thrown
    expect(errors).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(3);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toBe(3);
  });
});

describe('which notice is due', () => {
  const day = 86_400_000;
  const expiry = new Date('2027-03-01T09:00:00Z');
  const before = (days: number) => new Date(expiry.getTime() - days * day);
  it('is the smallest stage whose day has come, 0 once expired, none before the first or long after', () => {
    const days = [30, 7, 1];
    expect(dueStage(expiry, before(31), days)).toBeUndefined();
    expect(dueStage(expiry, before(30), days)).toBe(30);
    expect(dueStage(expiry, before(8), days)).toBe(30);
    expect(dueStage(expiry, before(6.9), days)).toBe(7);
    expect(dueStage(expiry, before(0.5), days)).toBe(1);
    expect(dueStage(expiry, before(0), days)).toBe(0);
    expect(dueStage(expiry, before(-29), days)).toBe(0);
    expect(dueStage(expiry, before(-31), days)).toBeUndefined();
    expect(dueStage(expiry, before(3), [])).toBeUndefined();
  });
});
