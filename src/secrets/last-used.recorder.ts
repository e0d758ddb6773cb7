/**
 * Stamps "last used" without a database write per use: uses are collected in memory and
 * written together, one statement per flush, at most every `intervalMs`.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

export function lastUsedRecorder(
  db: Database,
  options: { intervalMs?: number; onError?: (error: unknown) => void } = {},
) {
  const intervalMs = options.intervalMs ?? 1000;
  let pending = new Map<string, Date>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  async function write(batch: Map<string, Date>): Promise<void> {
    if (batch.size === 0) return;
    const values = sql.join(
      [...batch].map(([id, at]) => sql`(${id}::uuid, ${at.toISOString()}::timestamptz)`),
      sql`, `,
    );
    await db.execute(
      sql`update secrets set last_used_at = greatest(coalesce(secrets.last_used_at, u.at), u.at) from (values
        ${values}) as u(id, at) where secrets.id = u.id`,
    );
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = new Map();
    // Secrets deleted meanwhile simply match no row.
    flushing = flushing.then(() => write(batch)).catch((error: unknown) => options.onError?.(error));
    return flushing;
  }

  return {
    record(secretId: string, at = new Date()): void {
      pending.set(secretId, at);
      timer ??= setTimeout(() => void flush(), intervalMs).unref();
    },
    flush,
    get pendingCount(): number {
      return pending.size;
    },
  };
}

export type LastUsedRecorder = ReturnType<typeof lastUsedRecorder>;
