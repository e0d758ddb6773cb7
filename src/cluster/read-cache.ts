/**
 * Per-node caches of what makes the hot path fast: principal facts, secret rows, access
 * relations and sealed version rows with their data keys unwrapped (in memory only, for at
 * most the TTL; no plaintext payload is cached). Used only while the change bus is healthy;
 * a notice drops exactly the affected entries. A value loaded while an invalidation of its
 * kind happened is not kept, so a slow load cannot put back what a notice just removed.
 */
import type { Change, ChangeBus } from './change-bus.ts';

interface Entry<T> {
  value: T;
  expires: number;
  /** The secret the entry belongs to, for dropping it on that secret's notice. */
  secretId: string | undefined;
}

class Shelf<T> {
  private readonly entries = new Map<string, Entry<T>>();
  generation = 0;

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, expires: number, secretId: string | undefined): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires, secretId });
  }

  dropSecret(id: string): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (entry.secretId === id) this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** `lists` holds store listings: every secret or principal change may alter them, so each one clears them. */
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
    this.shelves = { principals: new Shelf(options.maxEntries), secrets: new Shelf(options.maxEntries), relations: new Shelf(options.maxEntries), sealed: new Shelf(options.maxEntries), tokens: new Shelf(options.maxEntries), lists: new Shelf(options.maxEntries) };
    bus?.onChange((change) => {
      this.invalidate(change);
      this.confirmed(change);
    });
  }

  get enabled(): boolean {
    return this.bus?.healthy === true && this.options.ttlMs > 0;
  }

  /** The cached value, or `load()`'s (kept when no invalidation of the shelf happened meanwhile). */
  async through<T>(shelf: ShelfName, key: string, load: () => Promise<T>, secretIdOf?: (value: T) => string | undefined): Promise<T> {
    if (!this.enabled) {
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
    if (value !== undefined && store.generation === generation && this.enabled && !blocked(value)) store.set(key, value, now + this.options.ttlMs, secretIdOf?.(value));
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
      this.pendingSecrets.set(change.id, { count: (current && current.until > Date.now() ? current.count : 0) + 1, until });
    } else if (change.scope === 'principals' || change.scope === 'all') this.pendingPrincipalsUntil = until;
    this.invalidate(change);
  }

  private isPending(shelf: ShelfName, secretId: string | undefined, now: number): boolean {
    if ((shelf === 'principals' || shelf === 'relations' || shelf === 'tokens' || shelf === 'lists') && this.pendingPrincipalsUntil > now) return true;
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

  sizes(): Record<ShelfName, number> {
    return { principals: this.shelves.principals.size, secrets: this.shelves.secrets.size, relations: this.shelves.relations.size, sealed: this.shelves.sealed.size, tokens: this.shelves.tokens.size, lists: this.shelves.lists.size };
  }
}
