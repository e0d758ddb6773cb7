/**
 * The change bus: every committed change that can alter what a node answers is announced
 * with PostgreSQL NOTIFY inside its own transaction (so it is delivered exactly when it
 * commits), and every node LISTENs. A node caches only while it is listening: when the
 * listening connection drops it drops every cache and serves uncached until it listens
 * again, so it never serves a decision older than the last notice it could have received.
 * A connection can also die without closing (a frozen backend, a half-open TCP link behind a
 * firewall): each node therefore sends itself a heartbeat through the database, and counts
 * as down when none has come back for three beats.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { DatabaseHandle, Executor } from '../db/client.ts';
import { NoticeBoard, noticesOf } from '../db/in-process-notices.ts';

export const changeChannel = 'tresor_changes';

/** What changed: one secret (its row, versions, shares), any principal's facts, the key ring, or everything. */
export type Change = { scope: 'secret'; id: string } | { scope: 'principals' } | { scope: 'keys' } | { scope: 'all' };

/**
 * The changes to NOTIFY on `changeChannel` with the statement the caller runs anyway in `tx`, as
 * their payloads; none where the driver delivers notices in memory at the commit (PGlite, which
 * takes them here). Either way every node hears them when the transaction commits, never before.
 */
export function noticesToSend(tx: Executor, changes: Iterable<Change>): string[] {
  const payloads = [...changes].map((change) => JSON.stringify(change));
  const local = noticesOf(tx);
  if (!local) return payloads;
  for (const payload of payloads) local.notify(changeChannel, payload);
  return [];
}

/** Announces a change; delivered to every node when the transaction commits. */
export async function announce(tx: Executor, change: Change): Promise<void> {
  const [payload] = noticesToSend(tx, [change]);
  if (payload !== undefined) await tx.execute(sql`select pg_notify(${changeChannel}, ${payload})`);
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

/**
 * postgres delivers NOTIFY payloads through the `onnotify` option (its own listen helper is
 * built on it) but leaves it out of its types; the helper itself hides connection closes,
 * which the bus must see at once.
 */
type ListenOptions = postgres.Options<Record<string, postgres.PostgresType>> & {
  onnotify: (channel: string, payload: string) => void;
};

export interface ChangeBusOptions {
  /** The listening connection's application_name (to find it in pg_stat_activity). */
  name?: string;
  /** Where to LISTEN; defaults to the database's own URL. */
  listenUrl?: string;
  /** How often to send the heartbeat; three missed beats mean the bus is down. */
  heartbeatMs?: number;
  onError?: (error: unknown) => void;
}

export function createChangeBus(database: DatabaseHandle, options: ChangeBusOptions = {}): ChangeBus {
  const listeners: ((change: Change) => void)[] = [];
  const emit = (change: Change) => {
    for (const l of listeners) l(change);
  };
  const heartbeatMs = options.heartbeatMs ?? 1000;
  let connected = false;
  let lastBeat = 0;
  // PGlite notices are in-process and cannot be lost while the process lives: no heartbeat.
  const beating = database.driver.kind === 'postgres';
  const listening = () => connected && (!beating || performance.now() - lastBeat <= 3 * heartbeatMs);
  let reported = false;
  // Going down or coming back: whatever happened meanwhile is unknown, so forget everything.
  const report = () => {
    const now = listening();
    if (now === reported) return;
    reported = now;
    emit({ scope: 'all' });
  };
  let stopper: (() => Promise<void>) | undefined;

  return {
    get healthy() {
      return listening();
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
        // The embedded database's notices never leave this process (in-process-notices.ts).
        const local = noticesOf(database.db);
        if (!(local instanceof NoticeBoard)) throw new Error('PGlite opened without its notice board');
        const unlisten = local.listen(changeChannel, (payload) => emit(parse(payload)));
        connected = true;
        report();
        stopper = async () => {
          connected = false;
          reported = false;
          unlisten();
        };
        return;
      }
      const pool = database.driver.client;
      const url = options.listenUrl ?? database.url!;
      // A channel of this node's own, so no node hears another's heartbeats.
      const heartbeatChannel = `tresor_heartbeat_${randomBytes(12).toString('hex')}`;
      let client: postgres.Sql | undefined;
      let stopped = false;
      let replacing = false;
      // Our own connection rather than postgres' listen helper, which reconnects by itself
      // but hides the close: here a close is seen at once (caches dropped, reads uncached)
      // and the next heartbeat tick listens anew.
      const connect = async () => {
        let next: postgres.Sql | undefined;
        const listenOptions: ListenOptions = {
          max: 1,
          // Never recycled: a recycled connection would silently stop listening.
          idle_timeout: 0,
          max_lifetime: null,
          fetch_types: false,
          onnotice: () => {},
          onnotify: (channel: string, payload: string) => {
            if (channel === changeChannel) emit(parse(payload));
            else if (channel === heartbeatChannel) {
              lastBeat = performance.now();
              report();
            }
          },
          onclose: () => {
            if (stopped || client !== next) return;
            connected = false;
            report();
          },
          connection: { application_name: options.name ?? 'tresor-listen' },
        };
        next = postgres(url, listenOptions);
        client = next;
        await next.unsafe(`listen "${changeChannel}"`);
        await next.unsafe(`listen "${heartbeatChannel}"`);
        // Notices may have been missed before this point, so everything cached is forgotten.
        connected = true;
        lastBeat = performance.now();
        reported = true;
        emit({ scope: 'all' });
      };
      // A link that closed, or went silent without closing (a half-open TCP connection waits
      // hours for keepalive): give up on it and listen on a new one.
      const replace = async () => {
        if (replacing || stopped) return;
        replacing = true;
        connected = false;
        report();
        client?.end({ timeout: 0 }).catch(() => {});
        const attempt = connect();
        // The new link may hang too: given up after ten beats, so the next tick tries again.
        const giveUp = setTimeout(() => void client?.end({ timeout: 0 }).catch(() => {}), 10 * heartbeatMs);
        try {
          await attempt;
        } catch (error) {
          if (!stopped) options.onError?.(error);
        } finally {
          clearTimeout(giveUp);
          replacing = false;
        }
      };
      await connect();
      // Sent through the pool, so a beat that comes back proves the whole path: commit, NOTIFY, the listening
      // connection.
      const timer = setInterval(() => {
        report();
        if (!listening()) void replace();
        pool`select pg_notify(${heartbeatChannel}, '')`.catch((error: unknown) => {
          if (!stopped) options.onError?.(error);
        });
      }, heartbeatMs);
      timer.unref();
      stopper = async () => {
        stopped = true;
        clearInterval(timer);
        connected = false;
        reported = false;
        await client?.end({ timeout: 2 });
      };
    },
    async stop() {
      await stopper?.();
      stopper = undefined;
    },
  };
}
