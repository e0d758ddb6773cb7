/**
 * Checked, frozen descriptions of credential types, built once by `definition.builder.ts`
 * from what the decorators recorded. Everything else (schemas, forms, JSON schema,
 * instances) is derived from these and nothing else.
 */
import type { z } from 'zod';
import type { Locale } from '../i18n/locale.ts';
import type { TestCheck, TestContext } from './connection-test.ts';
import type {
  Authenticate,
  FieldStyle,
  FieldValue,
  Generator,
  SelectOption,
  SharingRule,
  ShowWhen,
} from './field-options.ts';
import type { CredentialClass } from './metadata.store.ts';
import type { Text, Translations } from './texts.ts';

export interface FieldConstraints {
  min?: number;
  max?: number;
  integer?: boolean;
  minLength?: number;
  maxLength?: number;
  /** Source of the pattern, for forms and JSON schema. */
  pattern?: string;
  protocols?: readonly string[];
}

/** A field's texts in every locale the author gave; `label`, `help`… above hold the English ones. */
export interface FieldTexts {
  label: Translations;
  help: Translations | undefined;
  placeholder: Translations | undefined;
  /** Option value → its label. */
  options: Readonly<Record<string, Translations>> | undefined;
  patternMessage: Translations | undefined;
}

/** Texts below are English; `texts` has them per locale and `localize.ts` makes a definition in another. */
export interface FieldDefinition {
  key: string;
  label: string;
  help: string | undefined;
  style: FieldStyle;
  secret: boolean;
  /** Where the credential is sent: changing it requires re-entering every secret field. */
  destination: boolean;
  optional: boolean;
  default: FieldValue | undefined;
  order: number;
  placeholder: string | undefined;
  options: readonly SelectOption[] | undefined;
  constraints: FieldConstraints;
  /** For `secretRef`: the credential type the referenced secret must have (any, when undefined). */
  refType: string | undefined;
  /** How Tresor makes a value for this secret field, if it can. */
  generate: Generator | undefined;
  /** Validates one present value (no optional/default handling), with English messages. */
  valueSchema: z.ZodType;
  /** The same schema with its messages in `locale` (built on first use, then kept). */
  valueSchemaIn(locale: Locale): z.ZodType;
  texts: FieldTexts;
  /** Shown (and required, validated, stored) only when these fields hold one of these values. */
  showWhen: ShowWhen | undefined;
}

export interface FactDefinition {
  key: string;
  texts: { label: Translations };
  kind: 'text' | 'date' | 'mono';
}

export interface CredentialDefinition<T extends object = object> {
  id: string;
  name: string;
  description: string;
  texts: { name: Translations; description: Translations };
  /** Every locale any of the type's texts is given in, English first. */
  locales: readonly Locale[];
  logo: string;
  sharing: SharingRule | undefined;
  expiresFrom: string | undefined;
  /** The facts' labels and kinds, in the order the type declared them. */
  facts: readonly FactDefinition[];
  /** The fact whose ISO date is the expiry the values carry (a certificate's leaf not-after). */
  expiryFact: string | undefined;
  authenticate: Authenticate | undefined;
  allowedDomains: readonly (string | { field: string })[] | undefined;
  className: string;
  ctor: CredentialClass<T>;
  /** Ordered for display. */
  fields: readonly FieldDefinition[];
}

/** Settings that validation hooks may read (e.g. the minimum password strength). */
export interface TypeSettings {
  /** zxcvbn score 0–4 that a Password credential must reach. */
  passwordMinScore: number;
}

export const defaultTypeSettings: TypeSettings = { passwordMinScore: 3 };

/** Passed to a type's `validate` hook. */
export interface ValidationContext {
  settings: TypeSettings;
}

/**
 * Optional methods a credential class may define. Issues name fields; messages must never
 * repeat a secret value.
 * - `validate` checks the fields together, quickly (shapes, cost limits): it runs on the
 *   event loop, inside every create and update.
 * - `verify` does the slow checks (opening a private key with its passphrase, a chain's
 *   signatures): Tresor runs it in a worker thread with a time budget, after `validate`
 *   passed and after the caller's permission was checked.
 * - `facts` derives non-secret facts shown in the UI (a certificate's subject, an SSH key's
 *   fingerprint); it runs in the worker too, once per written version, and is stored.
 * - `test` is the connection test (connect, sign in, check dates): it runs on demand, on the
 *   event loop with a time budget, so it does I/O and leaves CPU-heavy work to `verify`,
 *   which it may call through `context.verify()`; see connection-test.ts.
 */
export interface CredentialHooks {
  validate?(context: ValidationContext): readonly HookIssue[] | void;
  verify?(context: ValidationContext): readonly HookIssue[] | void;
  facts?(): Record<string, string>;
  test?(context: TestContext): Promise<readonly TestCheck[]> | readonly TestCheck[];
}

/**
 * A credential class may say, as a static `verifies(settings)`, whether its `verify` has
 * anything to check under the settings (a password's strength with a minimum of 0 has not):
 * when it answers false and the class derives no facts, no worker is started for it.
 */
export interface VerifiesWhen {
  verifies?(settings: TypeSettings): boolean;
}

/** A problem a hook found; its message may be given per locale like any text. */
export interface HookIssue {
  path: string;
  message: Text;
}

/** Runs a type's slow hooks somewhere other than the event loop (a worker pool); absent: in-process. */
export interface HookRunner {
  run(request: {
    moduleUrl: string;
    exportName: string;
    payload: Record<string, unknown>;
    settings: TypeSettings;
  }): Promise<{ issues: HookIssue[]; facts: Record<string, string> }>;
}
