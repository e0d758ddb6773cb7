/**
 * Per-node caches of what makes the hot path fast: principal facts, secret rows, access
 * relations and sealed version rows with their data keys unwrapped (in memory only, for at
 * most the TTL; no plaintext payload is cached). Used only while the change bus is healthy;
 * a notice drops exactly the affected entries. A value loaded while an invalidation of its
 * kind happened is not kept, so a slow load cannot put back what a notice just removed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Change, ChangeBus } from './change-bus.ts';

interface Entry<T> {
  value: T;
  expires: number;
  /** The secret the entry belongs to, for dropping it on that secret's notice. */
  secretId: string | undefined;
}

class Shelf<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /**
   * The keys held for each secret, so a notice drops its entries without walking the shelf:
   * with a full shelf (100,000 entries by default) a walk per notice would stall the node
   * for milliseconds on every change anywhere in the cluster.
   */
  private readonly keysBySecret = new Map<string, Set<string>>();
  generation = 0;

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.delete(key, entry);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, expires: number, secretId: string | undefined): void {
    const current = this.entries.get(key);
    if (current) this.delete(key, current);
    else if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest, this.entries.get(oldest)!);
    }
    this.entries.set(key, { value, expires, secretId });
    if (secretId !== undefined) {
      const keys = this.keysBySecret.get(secretId);
      if (keys) keys.add(key);
      else this.keysBySecret.set(secretId, new Set([key]));
    }
  }

  dropSecret(id: string): void {
    this.generation++;
    const keys = this.keysBySecret.get(id);
    if (!keys) return;
    this.keysBySecret.delete(id);
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.keysBySecret.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Secrets with entries on this shelf (the index must never outgrow the entries). */
  get secretsIndexed(): number {
    return this.keysBySecret.size;
  }

  private delete(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    if (entry.secretId === undefined) return;
    const keys = this.keysBySecret.get(entry.secretId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysBySecret.delete(entry.secretId);
  }
}

/** `lists` holds store listings: every secret or principal change may alter them, so each one clears them. */

/**
 * Reads made inside `readFresh` skip every node's cache and go to the database: for a client
 * that must see its own write on another node at once (the API's X-Tresor-After header).
 */
const freshReads = new AsyncLocalStorage<boolean>();

export function readFresh<T>(fn: () => T): T {
  return freshReads.run(true, fn);
}

export type ShelfName = 'principals' | 'secrets' | 'relations' | 'sealed' | 'tokens' | 'lists';

export interface CacheStats {
  hits: number;
  misses: number;
  bypassed: number;
}

/** How long an announced change may stay unconfirmed (its transaction rolled back, say) before it is forgotten. */
const pendingMs = 5_000;

export class ReadCache {
  private readonly shelves: Record<ShelfName, Shelf<unknown>>;
  /** Secrets this node is changing: not served from cache until the change's notice arrives. */
  private readonly pendingSecrets = new Map<string, { count: number; until: number }>();
  private pendingPrincipalsUntil = 0;
  readonly stats: CacheStats = { hits: 0, misses: 0, bypassed: 0 };

  constructor(
    private readonly bus: Pick<ChangeBus, 'healthy' | 'onChange'> | undefined,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {
    this.shelves = {
      principals: new Shelf(options.maxEntries),
      secrets: new Shelf(options.maxEntries),
      relations: new Shelf(options.maxEntries),
      sealed: new Shelf(options.maxEntries),
      tokens: new Shelf(options.maxEntries),
      lists: new Shelf(options.maxEntries),
    };
    bus?.onChange((change) => {
      this.invalidate(change);
      this.confirmed(change);
    });
  }

  get enabled(): boolean {
    return this.bus?.healthy === true && this.options.ttlMs > 0;
  }

  /** The cached value, or `load()`'s (kept when no invalidation of the shelf happened meanwhile). */
  async through<T>(
    shelf: ShelfName,
    key: string,
    load: () => Promise<T>,
    secretIdOf?: (value: T) => string | undefined,
  ): Promise<T> {
    if (!this.enabled || freshReads.getStore() === true) {
      this.stats.bypassed++;
      return load();
    }
    const store = this.shelves[shelf] as Shelf<T>;
    const now = Date.now();
    const blocked = (value: T) => this.isPending(shelf, secretIdOf?.(value), now);
    const hit = store.get(key, now);
    if (hit !== undefined && !blocked(hit)) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const generation = store.generation;
    const value = await load();
    if (value !== undefined && store.generation === generation && this.enabled && !blocked(value))
      store.set(key, value, now + this.options.ttlMs, secretIdOf?.(value));
    return value;
  }

  /**
   * A change this node is about to commit: drop what it affects now, and serve none of it
   * from cache until its notice confirms the commit (so this node reads its own writes).
   */
  pending(change: Change): void {
    const until = Date.now() + pendingMs;
    if (change.scope === 'secret') {
      const current = this.pendingSecrets.get(change.id);
      this.pendingSecrets.set(change.id, {
        count: (current && current.until > Date.now() ? current.count : 0) + 1,
        until,
      });
    } else if (change.scope === 'principals' || change.scope === 'all') this.pendingPrincipalsUntil = until;
    this.invalidate(change);
  }

  private isPending(shelf: ShelfName, secretId: string | undefined, now: number): boolean {
    if (
      (shelf === 'principals' || shelf === 'relations' || shelf === 'tokens' || shelf === 'lists') &&
      this.pendingPrincipalsUntil > now
    )
      return true;
    if (shelf === 'lists') for (const pending of this.pendingSecrets.values()) if (pending.until > now) return true;
    if (secretId === undefined) return false;
    const pending = this.pendingSecrets.get(secretId);
    return pending !== undefined && pending.until > now;
  }

  /** A notice arrived: the change committed (on this node or another). */
  private confirmed(change: Change): void {
    if (change.scope === 'secret') {
      const pending = this.pendingSecrets.get(change.id);
      if (pending && --pending.count <= 0) this.pendingSecrets.delete(change.id);
    } else if (change.scope === 'principals') this.pendingPrincipalsUntil = 0;
  }

  invalidate(change: Change): void {
    switch (change.scope) {
      case 'secret':
        for (const shelf of ['secrets', 'relations', 'sealed'] as const) this.shelves[shelf].dropSecret(change.id);
        this.shelves.lists.clear();
        return;
      case 'principals':
        this.shelves.principals.clear();
        this.shelves.relations.clear();
        this.shelves.tokens.clear();
        this.shelves.lists.clear();
        return;
      case 'keys':
        this.shelves.sealed.clear();
        return;
      case 'all':
        for (const shelf of Object.values(this.shelves)) shelf.clear();
    }
  }

  /** Entries on each shelf, and the secrets they belong to (for tests and diagnostics). */
  sizes(): Record<ShelfName, { entries: number; secrets: number }> {
    const sizes = {} as Record<ShelfName, { entries: number; secrets: number }>;
    for (const [name, shelf] of Object.entries(this.shelves) as [ShelfName, Shelf<unknown>][])
      sizes[name] = { entries: shelf.size, secrets: shelf.secretsIndexed };
    return sizes;
  }
}
