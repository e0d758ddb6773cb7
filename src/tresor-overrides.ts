/** What a caller of createTresor may hand in instead of what the configuration says (tests, embedders). */

import type { KeySource } from './crypto/key-source.ts';
import type { DatabaseHandle } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { SecretProvider } from './providers/provider.ts';

export interface TresorOverrides {
  logger?: Logger;
  /** An already open database (tests hand in a fresh one per suite). */
  database?: DatabaseHandle;
  /** A key provider other than the environment or a key file. */
  keySource?: KeySource;
  /**
   * Whether a missing embedded data folder may be created (the server's first start, `tresor init`).
   * The CLI's other commands pass false: they never make a new, empty store by accident.
   */
  createDataFolder?: boolean;
  /** Names this node's listening connection (application_name), e.g. to find it in pg_stat_activity. */
  nodeName?: string;
  /** Providers of your own (a cloud secret manager, say), beside those the configuration names. */
  providers?: readonly SecretProvider[];
  /** The clock OAuth2 token expiry is judged by (tests move it); the system's otherwise. */
  clock?: () => Date;
}
