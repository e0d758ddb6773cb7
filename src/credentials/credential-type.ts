/**
 * A registered credential type: its frozen definition plus everything derived from it,
 * and the operations that services use to turn input into payloads and payloads into
 * typed instances. Pure: no storage, no crypto.
 */
import type { z } from 'zod';
import { type FieldIssue, type IssuesInLocale, TresorError, ValidationError } from '../errors.ts';
import { type Locale, sourceLocale } from '../i18n/locale.ts';
import { frameworkLocales, messagesFor } from '../i18n/messages.ts';
import { runConnectionTest, secretTexts, type TestContext, type TestReport } from './connection-test.ts';
import type {
  CredentialDefinition,
  CredentialHooks,
  HookIssue,
  HookRunner,
  TypeSettings,
  VerifiesWhen,
} from './definition.ts';
import type { FieldValue, Payload } from './field-options.ts';
import { deriveFormModel, type FormModel } from './form-model.ts';
import { generateValue as makeValue } from './generate.ts';
import { runSlowHooks } from './hooks/slow-hooks.ts';
import { type LocalizedType, labelIn, localizedType, type Problem } from './localized-type.ts';
import { hasOAuth2Fields } from './oauth2-shape.ts';
import { type PublicFields, publicFields, sealedFields, withDefaults, withoutAbsent } from './payload-views.ts';
import { deriveJsonSchema, deriveSchema } from './schemas.derive.ts';
import { enteredSecrets, keepSecret, keptSecrets, reentryProblems } from './secret-entry.ts';
import { shownFields } from './show-when.ts';
import { textIn } from './texts.ts';
import { carriedExpiry, chosenExpiry, expiryOf } from './type-expiry.ts';
import { fieldIssuesOf } from './validation-messages.ts';

export type { LocalizedType } from './localized-type.ts';
export type { PublicFields } from './payload-views.ts';

/** Where a connection test runs: Tresor's egress policy, outgoing TLS trust and time budget. */
export interface TestEnvironment {
  egress: TestContext['egress'];
  ca: string | undefined;
  budgetMs: number;
  /** The test's clock (tests of Tresor set it); now otherwise. */
  now?: Date;
}

export class CredentialType<T extends object = object> {
  readonly createSchema: z.ZodType<Record<string, unknown>>;
  readonly updateSchema: z.ZodType<Record<string, unknown>>;
  readonly formModel: FormModel;
  readonly jsonSchema: Record<string, unknown>;
  readonly secretKeys: readonly string[];
  /** Whether the type's secrets hold a connection beside their fields (OAuth2 tokens: connection.ts). */
  readonly connects: boolean;
  /** Tresor's locales and the type's own, English first: an error is worded in each. */
  readonly locales: readonly Locale[];
  private readonly views = new Map<Locale, LocalizedType>();

  constructor(
    readonly definition: CredentialDefinition<T>,
    private readonly settings: TypeSettings,
    /** Where the class was loaded from, so a worker can load it too; absent: hooks run in-process. */
    private readonly source?: { moduleUrl: string; exportName: string; runner: HookRunner },
  ) {
    const english = messagesFor(sourceLocale);
    this.createSchema = deriveSchema(definition, 'create', english);
    this.updateSchema = deriveSchema(definition, 'update', english);
    this.formModel = Object.freeze(deriveFormModel(definition));
    this.jsonSchema = Object.freeze(deriveJsonSchema(definition));
    this.secretKeys = Object.freeze(definition.fields.filter((f) => f.secret).map((f) => f.key));
    this.connects = hasOAuth2Fields(definition.fields.map((f) => f.key));
    this.locales = Object.freeze([...new Set([...definition.locales, ...frameworkLocales])]);
  }

  /**
   * The type in `locale`: texts the author gave in it (or its language), English for the rest.
   * Built on first use per locale, then kept (a registry holds a handful of types and locales).
   */
  in(locale: Locale): LocalizedType {
    let view = this.views.get(locale);
    if (view) return view;
    view = localizedType(this, locale);
    this.views.set(locale, view);
    return view;
  }

  get id(): string {
    return this.definition.id;
  }

  /** Validates a create input; returns the payload to store (defaults applied). */
  parseCreate(input: unknown): Payload {
    const result = this.createSchema.safeParse(input);
    if (!result.success) throw this.parseFailure('create', input);
    const payload = withoutAbsent(result.data);
    this.runHooks(payload);
    return payload;
  }

  /**
   * Validates an update input against the stored payload. Secret fields left empty keep
   * their stored value; `null` removes an optional secret; everything else is replaced.
   */
  parseUpdate(input: unknown, stored: Payload): Payload {
    const result = this.updateSchema.safeParse(input);
    if (!result.success) throw this.parseFailure('update', input);
    const problems: Problem[] = [];
    const merged: Payload = {};
    // A field the new values do not show is dropped, a stored secret in it too (showWhen).
    const shown = shownFields(this.definition, result.data);
    for (const field of this.definition.fields) {
      if (!shown.has(field.key)) continue;
      const value = (result.data as Record<string, unknown>)[field.key];
      const next = field.secret
        ? keepSecret(field, value, stored[field.key], problems)
        : (value as FieldValue | undefined);
      if (next !== undefined) merged[field.key] = next;
      else if (!field.optional)
        problems.push((v) => ({ path: field.key, message: `${labelIn(v, field)} ${v.m.required}` }));
    }
    problems.push(...reentryProblems(this.definition, result.data as Record<string, unknown>, merged, stored));
    if (problems.length > 0) throw this.invalid((v) => problems.map((problem) => problem(v)));
    // The full-value rules (e.g. unique pair names) apply to the merged payload too.
    const full = this.createSchema.safeParse(merged);
    if (!full.success) throw this.parseFailure('create', merged);
    const payload = withoutAbsent(full.data);
    // A hook reads the secrets beside the other fields (a password's strength against the
    // username): run on a kept secret with fields the caller chose, its verdict would answer
    // guesses about the secret. Hooks judge secret values when they are entered.
    if (this.keptSecrets(result.data, stored).length === 0) this.runHooks(payload);
    return payload;
  }

  /**
   * Refuses a test of edited values that keeps stored secrets (`kept`) beside changed
   * non-secret fields (`edited`): each kept secret must be entered again.
   */
  testRefusal(kept: readonly string[], edited: readonly string[]): ValidationError {
    const fields = (keys: readonly string[]) => this.definition.fields.filter((f) => keys.includes(f.key));
    return this.invalid((v) =>
      fields(kept).map((f) => ({
        path: f.key,
        message: v.m.reenterToTest(
          labelIn(v, f),
          fields(edited)
            .map((g) => labelIn(v, g))
            .join(', '),
        ),
      })),
    );
  }

  /** The stored secret fields an update input keeps: neither entered again nor cleared. */
  keptSecrets(input: unknown, stored: Payload): string[] {
    return keptSecrets(this.definition, input, stored);
  }

  /** The secret fields an update input enters a value for (each one writes a version: see secret-entry.ts). */
  enteredSecrets(input: unknown): string[] {
    return enteredSecrets(this.definition, input);
  }

  /** A typed instance of the class; defaults fill fields added to the type after the payload was stored. */
  hydrate(payload: Payload): T {
    const instance = new this.definition.ctor();
    for (const field of this.definition.fields) {
      const value = payload[field.key] ?? field.default;
      // Objects are copied so the instance cannot reach into the payload (or a default); scalars need no copy.
      if (value !== undefined)
        (instance as Record<string, unknown>)[field.key] =
          typeof value === 'object' && value !== null ? structuredClone(value) : value;
    }
    return instance;
  }

  /**
   * Whether the type has slow hooks (verify, facts) that `inspect` runs off the event loop,
   * with anything to do under these settings (a class's static `verifies` may say not).
   */
  get inspects(): boolean {
    const prototype = this.definition.ctor.prototype as CredentialHooks;
    const verifies = (this.definition.ctor as VerifiesWhen).verifies?.(this.settings) ?? true;
    return (typeof prototype.verify === 'function' && verifies) || typeof prototype.facts === 'function';
  }

  /**
   * The slow checks and the derived facts of a parsed payload, off the event loop when the
   * type was loaded from a file (a worker with a time budget), in-process otherwise.
   * Throws a ValidationError naming the field when `verify` finds a problem.
   */
  async inspect(
    payload: Payload,
    /** `ignore`: a kept secret beside fields the caller chose is not judged again (its verdict answers guesses). */
    { issues: onIssues = 'refuse' }: { issues?: 'refuse' | 'ignore' } = {},
  ): Promise<{ facts: Record<string, string> }> {
    if (!this.inspects) return { facts: {} };
    const complete = withDefaults(this.definition, payload);
    let result: { issues: readonly HookIssue[]; facts: Record<string, string> };
    if (this.source) {
      try {
        result = await this.source.runner.run({
          moduleUrl: this.source.moduleUrl,
          exportName: this.source.exportName,
          payload: complete,
          settings: this.settings,
        });
      } catch (error) {
        if (error instanceof TresorError && error.code === 'VALIDATION_FAILED') {
          const { message } = error;
          throw this.invalid((v) => [{ path: '', message: v.m.keyCost(message) }]);
        }
        throw error;
      }
    } else {
      result = runSlowHooks(this.hydrate(complete) as T & CredentialHooks, { settings: this.settings });
    }
    if (result.issues.length > 0 && onIssues === 'refuse') throw this.hookFailure(result.issues);
    return { facts: result.facts };
  }

  /** Whether the type declares a connection test. */
  get testable(): boolean {
    return typeof (this.definition.ctor.prototype as CredentialHooks).test === 'function';
  }

  /**
   * Runs the type's connection test on a parsed payload (defaults applied) within the time
   * budget; the report never holds a secret field's value (connection-test.ts).
   */
  async test(payload: Payload, environment: TestEnvironment): Promise<TestReport> {
    const complete = withDefaults(this.definition, payload);
    const instance = this.hydrate(complete) as T & CredentialHooks;
    const secrets = secretTexts(complete, this.secretKeys);
    return runConnectionTest(
      (signal) => {
        if (typeof instance.test !== 'function')
          return [{ name: 'Connection test', status: 'skipped', message: `${this.definition.name} has no test` }];
        const context: TestContext = {
          settings: this.settings,
          egress: environment.egress,
          ca: environment.ca,
          signal,
          budgetMs: environment.budgetMs,
          now: environment.now ?? new Date(),
          verify: async () => {
            try {
              await this.inspect(complete);
              return [];
            } catch (error) {
              if (error instanceof ValidationError) return error.issues;
              throw error;
            }
          },
        };
        return instance.test(context);
      },
      environment.budgetMs,
      secrets,
    );
  }

  /** The secret fields that hold a value: their names, never the values (a page marks only these as sealed). */
  sealedFields(payload: Payload): string[] {
    return sealedFields(this.definition, payload);
  }

  /** The payload without secrets: what a store view, a form or an API response may show. */
  publicFields(payload: Payload): PublicFields {
    return publicFields(this.definition, payload);
  }

  /**
   * A value for secret field `key` made by its generator: at least 12 uniformly drawn characters
   * (10^12 guesses and more), past zxcvbn's top score (10^10), so it meets any strength minimum
   * without a strength check on the event loop (which cost seconds after the dictionaries idled).
   */
  generateValue(key: string): string {
    const field = this.definition.fields.find((f) => f.key === key);
    if (!field?.generate)
      throw ValidationError.field('generate', `${this.definition.name} has no field "${key}" that Tresor can generate`);
    return makeValue(field.generate);
  }

  /** `fields` with a generated value for each of `keys` (a value given for one of them is replaced). */
  withGenerated(fields: unknown, keys: readonly string[]): Record<string, unknown> {
    if (keys.length > this.definition.fields.length)
      throw ValidationError.field('generate', 'generate names more fields than the type has');
    const base =
      fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? { ...(fields as object) } : {};
    const out: Record<string, unknown> = base;
    for (const key of new Set(keys)) out[key] = this.generateValue(String(key));
    return out;
  }

  /**
   * Facts as people read them, in the order the type declares them: its label in `locale` and
   * its kind (a date, monospace text); a fact the type does not declare comes last, under its key.
   */
  factsIn(
    facts: Readonly<Record<string, string>> | null | undefined,
    locale: Locale,
  ): { key: string; label: string; kind: 'text' | 'date' | 'mono'; value: string }[] {
    if (!facts) return [];
    const declared = this.definition.facts
      .filter((f) => facts[f.key] !== undefined)
      .map((f) => ({ key: f.key, label: textIn(f.texts.label, locale), kind: f.kind, value: facts[f.key]! }));
    const known = new Set(this.definition.facts.map((f) => f.key));
    const rest = Object.entries(facts)
      .filter(([key]) => !known.has(key))
      .map(([key, value]) => ({ key, label: key, kind: 'text' as const, value }));
    return [...declared, ...rest];
  }

  /** The expiry the values themselves carry (type-expiry.ts). */
  carriedExpiry(payload: Payload, facts: Readonly<Record<string, string>> | null | undefined): Date | undefined {
    return carriedExpiry(this.definition, payload, facts);
  }

  /** The secret's expiry: the earlier of the user's choice and what the values carry (type-expiry.ts). */
  expiryOf(
    payload: Payload,
    facts: Readonly<Record<string, string>> | null | undefined,
    chosen: Date | null | undefined,
  ): Date | null {
    return expiryOf(this.definition, payload, facts, chosen);
  }

  /** The user's own choice inside a stored expiry (type-expiry.ts). */
  chosenExpiry(
    stored: Date | null,
    payload: Payload,
    facts: Readonly<Record<string, string>> | null | undefined,
  ): Date | null {
    return chosenExpiry(this.definition, stored, payload, facts);
  }

  private runHooks(payload: Payload): void {
    const instance = this.hydrate(payload) as T & CredentialHooks;
    if (typeof instance.validate !== 'function') return;
    const issues = instance.validate({ settings: this.settings });
    if (issues && issues.length > 0) throw this.hookFailure(issues);
  }

  private parseFailure(mode: 'create' | 'update', input: unknown): ValidationError {
    return this.invalid((v) => fieldIssuesOf(v.definition, v.issuesOf(mode, input), input, v.m));
  }

  private hookFailure(issues: readonly HookIssue[]): ValidationError {
    return this.invalid((v) => issues.map((i) => ({ path: i.path, message: textIn(i.message, v.locale) })));
  }

  /**
   * The error, worded in English and in every other locale the type knows: validation runs in
   * services, which do not know who reads the error; the edge picks with `error.in(locale)`.
   * Failures are rare, so wording them several times costs nothing that matters.
   */
  private invalid(word: (view: LocalizedType) => FieldIssue[]): ValidationError {
    const translations: Record<Locale, IssuesInLocale> = {};
    for (const locale of this.locales) {
      if (locale === sourceLocale) continue;
      const view = this.in(locale);
      translations[locale] = { prefix: view.m.invalidType(view.definition.name), issues: word(view) };
    }
    const english = this.in(sourceLocale);
    return new ValidationError(word(english), english.m.invalidType(this.definition.name), translations);
  }
}
