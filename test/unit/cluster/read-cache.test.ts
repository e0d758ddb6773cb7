/**
 * The node's read cache on its own: what a notice drops, what it keeps, and that the index
 * that finds a secret's entries stays exact through replacement, eviction and expiry. The
 * bus here is the two members the cache reads; the real bus is tested in test/cluster.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Change } from '../../../src/cluster/change-bus.ts';
import { ReadCache } from '../../../src/cluster/read-cache.ts';

function busAndCache(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const listeners: ((change: Change) => void)[] = [];
  const bus = {
    healthy: true,
    onChange(listener: (change: Change) => void) {
      listeners.push(listener);
      return () => {};
    },
  };
  const cache = new ReadCache(bus, { ttlMs: options.ttlMs ?? 60_000, maxEntries: options.maxEntries ?? 1000 });
  const notify = (change: Change) => {
    for (const l of listeners) l(change);
  };
  return { bus, cache, notify };
}

/** Caches `value` for `secretId` under `key` on the secrets shelf; true when it was a hit. */
async function put(
  cache: ReadCache,
  key: string,
  secretId: string,
  shelf: 'secrets' | 'sealed' = 'secrets',
): Promise<boolean> {
  let loaded = false;
  await cache.through(
    shelf,
    key,
    async () => {
      loaded = true;
      return { id: secretId, key };
    },
    (v) => v.id,
  );
  return !loaded;
}

describe('read cache', () => {
  afterEach(() => vi.useRealTimers());

  it("drops exactly the announced secret's entries, on every shelf, and keeps the others", async () => {
    const { cache, notify } = busAndCache();
    await put(cache, 'a-by-id', 'a');
    await put(cache, 'a-by-name', 'a');
    await put(cache, 'a-v1', 'a', 'sealed');
    await put(cache, 'b-by-id', 'b');
    notify({ scope: 'secret', id: 'a' });
    expect(await put(cache, 'b-by-id', 'b')).toBe(true);
    expect(await put(cache, 'a-by-id', 'a')).toBe(false);
    expect(await put(cache, 'a-by-name', 'a')).toBe(false);
    expect(await put(cache, 'a-v1', 'a', 'sealed')).toBe(false);
  });

  it('finds an entry by the secret it now holds after its key was stored again for another secret', async () => {
    const { cache, notify } = busAndCache();
    // A name that pointed at secret "old" (deleted) now points at secret "new".
    await put(cache, 'name:db', 'old');
    notify({ scope: 'secret', id: 'old' });
    await put(cache, 'name:db', 'new');
    notify({ scope: 'secret', id: 'old' });
    expect(await put(cache, 'name:db', 'new')).toBe(true);
    notify({ scope: 'secret', id: 'new' });
    expect(await put(cache, 'name:db', 'new')).toBe(false);
  });

  it('keeps its secret index no larger than its entries through eviction and expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { cache } = busAndCache({ maxEntries: 10, ttlMs: 1000 });
    for (let i = 0; i < 50; i++) await put(cache, `k${i}`, `s${i}`);
    expect(cache.sizes().secrets).toEqual({ entries: 10, secrets: 10 });
    vi.advanceTimersByTime(1001);
    for (let i = 40; i < 50; i++) expect(await put(cache, `k${i}`, `s${i}`)).toBe(false);
    // The expired entries were replaced by fresh ones: still one index entry each.
    expect(cache.sizes().secrets).toEqual({ entries: 10, secrets: 10 });
  });

  it('drops everything on a principals change only from the shelves principals affect', async () => {
    const { cache, notify } = busAndCache();
    await put(cache, 'a', 'a');
    await cache.through('principals', 'user:1', async () => ({ groups: [] }));
    notify({ scope: 'principals' });
    expect(cache.sizes().principals.entries).toBe(0);
    expect(await put(cache, 'a', 'a')).toBe(true);
  });

  it('serves nothing from cache while the bus is down', async () => {
    const { bus, cache } = busAndCache();
    await put(cache, 'a', 'a');
    bus.healthy = false;
    expect(await put(cache, 'a', 'a')).toBe(false);
    expect(cache.stats.bypassed).toBe(1);
  });

  it('does not keep a value loaded while a notice for its shelf arrived', async () => {
    const { cache, notify } = busAndCache();
    await cache.through(
      'secrets',
      'a',
      async () => {
        notify({ scope: 'secret', id: 'a' });
        return { id: 'a' };
      },
      (v) => v.id,
    );
    expect(await put(cache, 'a', 'a')).toBe(false);
  });

  it("serves a secret this node is changing from the database until the change's notice arrives", async () => {
    const { cache, notify } = busAndCache();
    await put(cache, 'a', 'a');
    cache.pending({ scope: 'secret', id: 'a' });
    expect(await put(cache, 'a', 'a')).toBe(false);
    expect(await put(cache, 'a', 'a')).toBe(false);
    notify({ scope: 'secret', id: 'a' });
    await put(cache, 'a', 'a');
    expect(await put(cache, 'a', 'a')).toBe(true);
  });
});
