/**
 * Group commit: items from concurrent callers are written together, and each caller's
 * promise settles when the batch holding its item is written (or fails with it).
 *
 * Up to `maxInFlight` batches are written at once. A batch leaves as soon as it holds its
 * share of the items outstanding (queued or being written) — with two in flight and 16
 * callers, two batches of 8 — so the callers of one batch get on with their work while the
 * other batch is at the database, instead of all of them waiting on one round trip and the
 * database then waiting on all of them. Short of its share, a batch leaves when a batch in
 * flight ends, or, with none in flight, at the end of the event loop turn: a lone caller
 * never waits for company.
 *
 * Where writing a batch blocks the event loop (PGlite: its WAL sync is a synchronous call),
 * no caller can come while a batch is written, so callers never seem to overlap and each
 * batch would hold one item. `gatherMs` is PostgreSQL's commit_delay for that case: when
 * items come close together (less than four gathers apart), a batch waits that long for
 * company before it leaves. A batch that found none turns gathering off for a while, so a
 * caller that writes one item after another pays the wait once per pause, not every time.
 *
 * One caller's item never fails another's: when a batch fails with an error that `isolates`
 * says belongs to an item (a value the database cannot store), the batch is written again
 * in halves, down to single items, so only the offending items fail and the rest commit.
 */
export interface GroupCommitOptions {
  maxBatch?: number;
  maxInFlight?: number;
  /** How long a batch waits for company when items come close together; 0 (the default): never. */
  gatherMs?: number;
  /** Whether a batch's failure may be one item's fault (then the batch is split to find it); never, by default. */
  isolates?: (error: unknown) => boolean;
}

/** How long gathering stays off after a batch waited and found no company. */
const LONELY_PAUSE_MS = 100;

export function groupCommit<T>(
  writeBatch: (items: T[]) => Promise<void>,
  { maxBatch = 500, maxInFlight = 2, gatherMs = 0, isolates = () => false }: GroupCommitOptions = {},
) {
  type Waiting = { item: T; resolve(): void; reject(error: unknown): void };
  let queue: Waiting[] = [];
  let inFlight = 0;
  let inFlightItems = 0;
  let scheduled = false;
  /** When the last item came, and until when gathering is off (a gathered batch found no company). */
  let lastArrival = Number.NEGATIVE_INFINITY;
  let lonelyUntil = Number.NEGATIVE_INFINITY;
  /** Whether an item coming now should wait for company (see `gatherMs`). */
  function gathering(now: number): boolean {
    const close = now - lastArrival < 4 * gatherMs;
    lastArrival = now;
    return gatherMs > 0 && close && now >= lonelyUntil && inFlight === 0 && queue.length < maxBatch;
  }
  const stats = { batches: 0, items: 0, gathered: 0, splits: 0 };

  /** The most items outstanding (queued or being written) in the last second: the callers there are to share out. */
  let peak = 0;
  let peakAt = 0;
  const outstanding = () => queue.length + inFlightItems;
  function notePeak(): void {
    const now = performance.now();
    if (outstanding() >= peak || now - peakAt > 1000) {
      peak = outstanding();
      peakAt = now;
    }
  }
  /** A batch's share of them. */
  const share = () => Math.min(Math.ceil(Math.max(outstanding(), peak) / maxInFlight), maxBatch);

  /** Writes the items; on an item's fault, each half again. Resolves to the items that failed, with their error. */
  async function writeIsolating(items: Waiting[]): Promise<{ failed: Waiting; error: unknown }[]> {
    try {
      await writeBatch(items.map((w) => w.item));
      return [];
    } catch (caught: unknown) {
      const error = caught ?? new Error('The audit batch failed');
      if (items.length === 1 || !isolates(error)) return items.map((failed) => ({ failed, error }));
      const half = Math.ceil(items.length / 2);
      stats.splits++;
      return [...(await writeIsolating(items.slice(0, half))), ...(await writeIsolating(items.slice(half)))];
    }
  }

  function send(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      inFlightItems += batch.length;
      const settle = (failures: { failed: Waiting; error: unknown }[]) => {
        // The slot is free before the callers hear back, so the rows they add next count it so.
        inFlight--;
        inFlightItems -= batch.length;
        const errors = new Map(failures.map((f) => [f.failed, f.error]));
        if (errors.size < batch.length) {
          stats.batches++;
          stats.items += batch.length - errors.size;
        }
        for (const w of batch) {
          if (errors.has(w)) w.reject(errors.get(w));
          else w.resolve();
        }
        if (inFlight === 0 || queue.length >= share()) send();
      };
      void writeIsolating(batch).then(settle);
    }
  }

  return {
    add(item: T): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const now = performance.now();
        const gather = gathering(now);
        queue.push({ item, resolve, reject });
        notePeak();
        if (!gather && inFlight < maxInFlight && queue.length >= share()) send();
        // Short of its share: with a batch in flight, its end sends what is queued; with none, the end of this turn
        // does, or the end of the gather.
        else if (inFlight === 0 && !scheduled) {
          scheduled = true;
          if (gather)
            setTimeout(() => {
              scheduled = false;
              stats.gathered++;
              if (queue.length <= 1) lonelyUntil = performance.now() + LONELY_PAUSE_MS;
              send();
            }, gatherMs);
          else
            setImmediate(() => {
              scheduled = false;
              send();
            });
        }
      });
    },
    stats: () => ({ ...stats }),
  };
}
