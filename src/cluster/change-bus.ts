/**
 * The change bus: every committed change that can alter what a node answers is announced
 * with PostgreSQL NOTIFY inside its own transaction (so it is delivered exactly when it
 * commits), and every node LISTENs. A node caches only while it is listening: when the
 * listening connection drops it drops every cache and serves uncached until it listens
 * again, so it never serves a decision older than the last notice it could have received.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { DatabaseHandle, Executor } from '../db/client.ts';

export const changeChannel = 'tresor_changes';

/** What changed: one secret (its row, versions, shares), any principal's facts, the key ring, or everything. */
export type Change = { scope: 'secret'; id: string } | { scope: 'principals' } | { scope: 'keys' } | { scope: 'all' };

/** Announces a change; delivered to every node when the transaction commits. */
export async function announce(tx: Executor, change: Change): Promise<void> {
  await tx.execute(sql`select pg_notify(${changeChannel}, ${JSON.stringify(change)})`);
}

export interface ChangeBus {
  /** True while notices can arrive: caches may be used. */
  readonly healthy: boolean;
  /** Calls `listener` on every notice; returns a function that stops it. */
  onChange(listener: (change: Change) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function parse(payload: string): Change {
  try {
    const value = JSON.parse(payload) as Change;
    return value && typeof value === 'object' && typeof value.scope === 'string' ? value : { scope: 'all' };
  } catch {
    return { scope: 'all' };
  }
}

export function createChangeBus(database: DatabaseHandle, options: { name?: string; onError?: (error: unknown) => void } = {}): ChangeBus {
  const listeners: ((change: Change) => void)[] = [];
  let healthy = false;
  const emit = (change: Change) => {
    for (const l of listeners) l(change);
  };
  // Going down or coming back: whatever happened meanwhile is unknown, so forget everything.
  const setHealthy = (value: boolean) => {
    healthy = value;
    emit({ scope: 'all' });
  };
  let stopper: (() => Promise<void>) | undefined;

  return {
    get healthy() {
      return healthy;
    },
    onChange(listener) {
      listeners.push(listener);
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },
    async start() {
      if (database.driver.kind === 'pglite') {
        // In-process: notices cannot be lost while the process lives.
        const unlisten = await database.driver.client.listen(changeChannel, (payload) => emit(parse(payload)));
        setHealthy(true);
        stopper = async () => {
          healthy = false;
          await unlisten();
        };
        return;
      }
      let stopped = false;
      const client = postgres(database.url!, {
        max: 1,
        onnotice: () => {},
        connection: { application_name: options.name ?? 'tresor-listen' },
        onclose: () => {
          if (!stopped) setHealthy(false);
        },
      });
      // postgres reconnects the listening connection by itself and calls onlisten each time.
      await client.listen(changeChannel, (payload) => emit(parse(payload)), () => setHealthy(true));
      stopper = async () => {
        stopped = true;
        healthy = false;
        await client.end({ timeout: 2 });
      };
    },
    async stop() {
      await stopper?.();
      stopper = undefined;
    },
  };
}
