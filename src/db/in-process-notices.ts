/**
 * NOTIFY without the database, for PGlite. The embedded database belongs to one process (its
 * folder is locked), so every listener of its notices lives in that process: delivering a
 * notice in memory when its transaction commits is what LISTEN/NOTIFY would do, without the
 * trip through PostgreSQL's notification queue (which cost ~0.13 ms a write on the embedded
 * database, a tenth of an update's time: measured).
 *
 * Semantics kept from NOTIFY: a notice sent in a transaction is delivered once it commits,
 * never if it rolls back; one sent outside a transaction is delivered at once; every listener
 * on the client hears it (several Tresors may share one client, as several nodes share one
 * PostgreSQL).
 */

/** Where the client and its transactions keep their notice board (see `noticesOf`). */
export const inProcessNotices: unique symbol = Symbol('tresor.inProcessNotices');

export interface NoticeSender {
  notify(channel: string, payload: string): void;
}

/** The listeners of one client, by channel. */
export class NoticeBoard implements NoticeSender {
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();

  listen(channel: string, listener: (payload: string) => void): () => void {
    const set = this.listeners.get(channel) ?? new Set();
    this.listeners.set(channel, set);
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /**
   * Delivers now (a statement outside any transaction commits as it runs). A listener that
   * throws is reported as a process warning, not to the sender: its change has committed, and
   * the other listeners still hear it.
   */
  notify(channel: string, payload: string): void {
    for (const listener of this.listeners.get(channel) ?? [])
      try {
        listener(payload);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : String(error), 'TresorNoticeListener');
      }
  }

  /** The sender of one transaction: its notices wait for `committed()`, and are dropped with it otherwise. */
  transaction(): NoticeSender & { committed(): void } {
    const held: [string, string][] = [];
    return {
      notify: (channel, payload) => {
        held.push([channel, payload]);
      },
      committed: () => {
        for (const [channel, payload] of held) this.notify(channel, payload);
      },
    };
  }
}

/**
 * The in-process sender behind a drizzle executor (the database or a transaction), when its
 * driver delivers notices in memory; undefined for PostgreSQL, whose notices go through NOTIFY.
 */
export function noticesOf(executor: unknown): NoticeSender | undefined {
  const client = (executor as { _?: { session?: { client?: Record<symbol, unknown> } } })._?.session?.client;
  return client?.[inProcessNotices] as NoticeSender | undefined;
}

interface Transactional<Tx> {
  transaction<T>(body: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * `client` (PGlite, or PGlite with prepared statements) with a notice board: reachable as
 * `[inProcessNotices]` on it and on each of its transactions, whose notices wait for the commit.
 */
export function withInProcessNotices<C extends Transactional<Tx>, Tx extends object>(client: C): C {
  const board = new NoticeBoard();
  return new Proxy(client, {
    get(target, property) {
      if (property === inProcessNotices) return board;
      if (property === 'transaction')
        return async <T>(body: (tx: Tx) => Promise<T>): Promise<T> => {
          const sender = board.transaction();
          const result = await target.transaction((tx) =>
            body(
              new Proxy(tx, {
                get: (inner, key) => (key === inProcessNotices ? sender : Reflect.get(inner, key)),
              }),
            ),
          );
          sender.committed();
          return result;
        };
      return Reflect.get(target, property);
    },
  });
}
