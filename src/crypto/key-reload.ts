/**
 * Another node or the CLI rotated: this node reloads its key source and wraps with the newest
 * version at once. Every re-wrapped batch of a rotation announces, so reloads are coalesced —
 * one at a time, and one more after it when notices came meanwhile, never one per batch.
 */
import type { Logger } from '../logger.ts';
import type { KeyService } from './key.service.ts';

export function coalescedKeyReload(keys: Pick<KeyService, 'reload'>, logger: Pick<Logger, 'error'>): () => void {
  let reloading: Promise<void> | undefined;
  let again = false;
  const reload = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = keys
      .reload()
      .then(
        () => undefined,
        (error: unknown) => logger.error({ err: error }, 'could not reload the key source'),
      )
      .finally(() => {
        reloading = undefined;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  return reload;
}
