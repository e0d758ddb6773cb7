/**
 * What the secret commands need, behind one interface with two implementations: local
 * (the configured database, acting as Tresor itself, for administration) and remote (the
 * REST API with a bearer token). Commands cannot tell which one they talk to.
 */

import type { z } from 'zod';
import type { FormModel } from '../credentials/index.ts';
import type { ConnectionJson } from '../oauth2/connection-view.ts';
import type { SecretUsage } from '../secrets/secret-usage.ts';
import type { Share, ShareTarget } from '../secrets/share.service.ts';
import type { testReportSchema } from '../web/api/connection-tests.routes.ts';
import type {
  comparisonSchema,
  secretDetailSchema,
  secretMetadataSchema,
  typeSummarySchema,
  versionSchema,
} from '../web/api/schemas.ts';

/** Secret metadata as both backends return it: the API's answer (dates as ISO strings), with fields when shown. */
export type SecretInfo = z.infer<typeof secretMetadataSchema> &
  Partial<Pick<z.infer<typeof secretDetailSchema>, 'fields' | 'facts'>>;

/** A version as both backends return it (the API's answer). */
export type VersionRow = z.infer<typeof versionSchema>;

/** Two versions compared, as the API answers (a secret field says only whether it changed). */
export type Comparison = z.infer<typeof comparisonSchema>;

/** A credential type as both backends return it: the API's summary with the type's form model. */
export type TypeInfo = Pick<z.infer<typeof typeSummarySchema>, 'id' | 'name' | 'description'> & {
  formModel: Pick<FormModel, 'fields'>;
};

/** A connection test's report, as both backends return it (the API's answer). */
export type TestOutcome = Pick<z.infer<typeof testReportSchema>, 'ok' | 'durationMs' | 'checks'>;

/** An OAuth2 secret's connection as both backends return it (its state, never a token; dates as ISO strings). */
export type OAuth2Connection = ConnectionJson;

export interface SecretsBackend {
  types(): Promise<TypeInfo[]>;
  list(filter: { type?: string; text?: string; limit: number; after?: string; space?: string }): Promise<SecretInfo[]>;
  show(ref: string): Promise<SecretInfo>;
  create(input: {
    type: string;
    name: string;
    description?: string;
    fields: Record<string, unknown>;
    expiresAt?: string;
    /** Secret fields Tresor generates (never shown). */
    generate?: string[];
    /** The space's name (omitted: the default space). */
    space?: string;
    visibility?: string;
  }): Promise<SecretInfo>;
  update(
    ref: string,
    input: {
      fields?: Record<string, unknown>;
      description?: string;
      expiresAt?: string | null;
      reason?: string;
      generate?: string[];
    },
  ): Promise<{ secret: SecretInfo; changed: boolean }>;
  /** Refused (conflict, naming them) when configurations name it, unless `force`. */
  delete(ref: string, options?: { force?: boolean }): Promise<void>;
  /** Who is mailed before it expires besides its owner; replacing the list answers the new one. */
  noticeRecipients(ref: string, replace?: string[]): Promise<string[]>;
  /** Which modules used it and which stored configurations name it. */
  usage(ref: string): Promise<SecretUsage>;
  shares(ref: string): Promise<Share[]>;
  share(ref: string, target: ShareTarget): Promise<Share>;
  unshare(ref: string, shareId: string): Promise<void>;
  /** The secret's own value's versions, or one environment's. */
  versions(ref: string, environment?: string): Promise<VersionRow[]>;
  rollback(ref: string, to: number, reason?: string): Promise<SecretInfo>;
  /** What changed between two versions (the API's answer: a secret field says only whether it changed). */
  compare(ref: string, from: number, to: number): Promise<Comparison>;
  /** Runs the type's connection test on the stored secret. */
  test(ref: string): Promise<TestOutcome>;
  /** An OAuth2 secret's connection (connecting happens in a browser: the web UI's Connect). */
  oauth2(ref: string): Promise<OAuth2Connection>;
  /** Forgets an OAuth2 secret's connection: modules are refused it until it is connected again. */
  forgetOAuth2(ref: string): Promise<void>;
}
