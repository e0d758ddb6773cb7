/**
 * A registered credential type: its frozen definition plus everything derived from it,
 * and the operations that services use to turn input into payloads and payloads into
 * typed instances. Pure: no storage, no crypto.
 */
import { z } from 'zod';
import { type FieldIssue, type IssuesInLocale, TresorError, ValidationError } from '../errors.ts';
import { type Locale, languageOf, sourceLocale } from '../i18n/locale.ts';
import { frameworkLocales, type Messages, messagesFor } from '../i18n/messages.ts';
import { runConnectionTest, secretTexts, type TestContext, type TestReport } from './connection-test.ts';
import type {
  CredentialDefinition,
  CredentialHooks,
  FieldDefinition,
  HookIssue,
  HookRunner,
  TypeSettings,
  VerifiesWhen,
} from './definition.ts';
import type { FieldValue, Pair, Payload } from './field-options.ts';
import { deriveFormModel, type FormModel } from './form-model.ts';
import { generateValue as makeValue } from './generate.ts';
import { runSlowHooks } from './hooks/slow-hooks.ts';
import { localizeDefinition } from './localize.ts';
import { deriveJsonSchema, deriveSchema } from './schemas.derive.ts';
import { shownFields } from './show-when.ts';
import { textIn } from './texts.ts';
import { fieldIssuesOf } from './validation-messages.ts';

/** Where a connection test runs: Tresor's egress policy, outgoing TLS trust and time budget. */
export interface TestEnvironment {
  egress: TestContext['egress'];
  ca: string | undefined;
  budgetMs: number;
  /** The test's clock (tests of Tresor set it); now otherwise. */
  now?: Date;
}

/** A type in one locale: its definition's texts and its validation messages in that locale. */
export interface LocalizedType {
  locale: Locale;
  definition: CredentialDefinition;
  formModel: FormModel;
  jsonSchema: Record<string, unknown>;
  m: Messages;
  /** The issues zod finds in an input, worded in this locale (zod's own messages too). */
  issuesOf(mode: 'create' | 'update', input: unknown): readonly z.core.$ZodIssue[];
}

/** One problem, worded for whichever locale asks (an error is worded in each the type knows). */
type Problem = (view: LocalizedType) => FieldIssue;

type ZodLocales = Record<string, (() => { localeError: z.core.$ZodErrorMap }) | undefined>;

/** zod's built-in messages (for an author's own zod schema) in `locale`, where zod has them. */
function zodErrorMap(locale: Locale): z.core.$ZodErrorMap | undefined {
  if (locale === sourceLocale) return undefined;
  const locales = z.locales as unknown as ZodLocales;
  return (locales[locale.replace('-', '')] ?? locales[languageOf(locale)])?.().localeError;
}

/** What a non-secret view of a payload holds: secret fields are absent, secret pairs keep only their names. */
export type PublicFields = Record<string, FieldValue>;

export class CredentialType<T extends object = object> {
  readonly createSchema: z.ZodType<Record<string, unknown>>;
  readonly updateSchema: z.ZodType<Record<string, unknown>>;
  readonly formModel: FormModel;
  readonly jsonSchema: Record<string, unknown>;
  readonly secretKeys: readonly string[];
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
    this.locales = Object.freeze([...new Set([...definition.locales, ...frameworkLocales])]);
  }

  /**
   * The type in `locale`: texts the author gave in it (or its language), English for the rest.
   * Built on first use per locale, then kept (a registry holds a handful of types and locales).
   */
  in(locale: Locale): LocalizedType {
    let view = this.views.get(locale);
    if (view) return view;
    const definition = localizeDefinition(this.definition, locale);
    const m = messagesFor(locale);
    const english = locale === sourceLocale;
    const schemas = {
      create: english ? this.createSchema : deriveSchema(definition, 'create', m),
      update: english ? this.updateSchema : deriveSchema(definition, 'update', m),
    };
    const error = zodErrorMap(locale);
    view = Object.freeze({
      locale,
      definition,
      formModel: english ? this.formModel : Object.freeze(deriveFormModel(definition)),
      jsonSchema: english ? this.jsonSchema : Object.freeze(deriveJsonSchema(definition)),
      m,
      issuesOf: (mode: 'create' | 'update', input: unknown) =>
        schemas[mode].safeParse(input, error ? { error } : undefined).error?.issues ?? [],
    });
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
        ? this.keepSecret(field, value, stored[field.key], problems)
        : (value as FieldValue | undefined);
      if (next !== undefined) merged[field.key] = next;
      else if (!field.optional)
        problems.push((v) => ({ path: field.key, message: `${labelIn(v, field)} ${v.m.required}` }));
    }
    problems.push(...this.reentryProblems(result.data as Record<string, unknown>, merged, stored));
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
    const values = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
    return this.definition.fields
      .filter((f) => f.secret && !entered(f, values[f.key]) && values[f.key] !== null && stored[f.key] !== undefined)
      .map((f) => f.key);
  }

  /**
   * The secret fields an update input enters a value for (empty means "keep", so it does not
   * count). Entering a secret always writes a new version, even when the value is the stored
   * one: an answer of "nothing changed" would tell the caller it guessed the stored value.
   */
  enteredSecrets(input: unknown): string[] {
    if (input === null || typeof input !== 'object') return [];
    const values = input as Record<string, unknown>;
    return this.definition.fields.filter((f) => f.secret && entered(f, values[f.key])).map((f) => f.key);
  }

  /**
   * Two rules that keep stored secrets from being redirected or probed through an update:
   * - a destination field (where the credential is sent) may change only when every stored
   *   secret field is entered again in the same update (as Grafana and Jenkins ask);
   * - a type's `validate` hook checks fields together, so it must never see a stored secret
   *   beside an entered one (a wrong passphrase answering 422 and a right one passing would
   *   let whoever may edit the secret test guesses): enter them together, or clear the other.
   */
  private reentryProblems(input: Record<string, unknown>, merged: Payload, stored: Payload): Problem[] {
    const secrets = this.definition.fields.filter((f) => f.secret);
    const keptKeys = new Set(this.keptSecrets(input, stored));
    const kept = secrets.filter((f) => keptKeys.has(f.key));
    if (kept.length === 0) return [];
    const moved = this.definition.fields.filter(
      (f) => f.destination && canonical(merged[f.key] ?? f.default) !== canonical(stored[f.key] ?? f.default),
    );
    if (moved.length > 0)
      return kept.map((f) => (v) => ({
        path: f.key,
        message: v.m.reenterForDestination(labelIn(v, f), moved.map((g) => labelIn(v, g)).join(', ')),
      }));
    const hooked = typeof (this.definition.ctor.prototype as CredentialHooks).validate === 'function';
    const enteredOnes = secrets.filter((f) => entered(f, input[f.key]));
    if (!hooked || enteredOnes.length === 0) return [];
    return kept.map((f) => (v) => ({
      path: f.key,
      message: v.m.reenterTogether(labelIn(v, f), enteredOnes.map((g) => labelIn(v, g)).join(', ')),
    }));
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
    const complete = this.withDefaults(payload);
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
    const complete = this.withDefaults(payload);
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

  private withDefaults(payload: Payload): Payload {
    const complete: Payload = {};
    for (const field of this.definition.fields) {
      const value = payload[field.key] ?? field.default;
      if (value !== undefined) complete[field.key] = value;
    }
    return complete;
  }

  /** The secret fields that hold a value: their names, never the values (a page marks only these as sealed). */
  sealedFields(payload: Payload): string[] {
    return this.definition.fields
      .filter((f) => f.secret && payload[f.key] !== undefined && payload[f.key] !== null && payload[f.key] !== '')
      .map((f) => f.key);
  }

  /** The payload without secrets: what a store view, a form or an API response may show. */
  publicFields(payload: Payload): PublicFields {
    const out: PublicFields = {};
    for (const field of this.definition.fields) {
      const value = payload[field.key] ?? field.default;
      if (value === undefined) continue;
      if (!field.secret) out[field.key] = structuredClone(value);
      else if (field.style === 'pairs' && Array.isArray(value))
        out[field.key] = value.map((p) => ({ name: p.name, value: '' }));
    }
    return out;
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

  /**
   * The expiry the values themselves carry: the type's `expiresFrom` date field (to the end of
   * that day), or its fact marked `expiry` (a certificate's leaf not-after); the earlier if both.
   */
  carriedExpiry(payload: Payload, facts: Readonly<Record<string, string>> | null | undefined): Date | undefined {
    const { expiresFrom, expiryFact } = this.definition;
    const field = expiresFrom === undefined ? undefined : payload[expiresFrom];
    const fromField = typeof field === 'string' ? new Date(`${field}T23:59:59.999Z`) : undefined;
    const fact = expiryFact === undefined ? undefined : facts?.[expiryFact];
    const fromFact = fact === undefined ? undefined : new Date(fact);
    const dates = [fromField, fromFact].filter((d): d is Date => d !== undefined && !Number.isNaN(d.getTime()));
    return dates.length === 0 ? undefined : new Date(Math.min(...dates.map((d) => d.getTime())));
  }

  /**
   * The secret's expiry — the one rule, for create, update and rollback alike: the earlier of
   * the user's own choice and what the values carry. A user may shorten a certificate's life
   * (rotate it early), never lengthen it past its not-after.
   */
  expiryOf(
    payload: Payload,
    facts: Readonly<Record<string, string>> | null | undefined,
    chosen: Date | null | undefined,
  ): Date | null {
    const carried = this.carriedExpiry(payload, facts);
    if (!chosen) return carried ?? null;
    return carried && carried < chosen ? carried : chosen;
  }

  /**
   * The user's own choice inside a stored expiry: a date before what the stored values carry was
   * chosen; one equal to it came from them (and follows them when they change).
   */
  chosenExpiry(
    stored: Date | null,
    payload: Payload,
    facts: Readonly<Record<string, string>> | null | undefined,
  ): Date | null {
    const carried = this.carriedExpiry(payload, facts);
    if (!stored || !carried) return stored;
    return stored < carried ? stored : null;
  }

  private keepSecret(
    field: FieldDefinition,
    value: unknown,
    stored: FieldValue | undefined,
    problems: Problem[],
  ): FieldValue | undefined {
    if (value === null) return undefined;
    if (value === undefined) return stored;
    if (field.style !== 'pairs') return value as FieldValue;
    const previous = new Map((Array.isArray(stored) ? stored : []).map((p) => [p.name, p.value]));
    return (value as Pair[]).map((pair, index) => {
      if (pair.value !== '') return pair;
      const kept = previous.get(pair.name);
      if (kept === undefined)
        problems.push((v) => ({
          path: `${field.key}.${index}.value`,
          message: v.m.pairValueKept(labelIn(v, field), index + 1, pair.name),
        }));
      return { name: pair.name, value: kept ?? '' };
    });
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

/** A field's label in the view's locale. */
function labelIn(view: LocalizedType, field: FieldDefinition): string {
  return textIn(field.texts.label, view.locale);
}

/** Whether an update input enters a value for a secret field (for pairs: every value). */
function entered(field: FieldDefinition, value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (field.style === 'pairs')
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((p) => typeof p === 'object' && p !== null && (p as Pair).value !== '')
    );
  return true;
}

const canonical = (value: unknown) => JSON.stringify(value ?? null);

function withoutAbsent(data: Record<string, unknown>): Payload {
  const out: Payload = {};
  for (const [key, value] of Object.entries(data))
    if (value !== undefined && value !== null) out[key] = value as FieldValue;
  return out;
}
