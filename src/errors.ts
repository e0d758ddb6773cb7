/**
 * The one error hierarchy of Tresor. Domain errors carry a stable `code` and know nothing
 * of HTTP or exit codes: the web layer and the CLI map codes in one place each
 * (`src/web/error-status.ts`, `src/cli/exit-codes.ts`). Messages are written for the person
 * who has to fix the input, and never contain a secret value.
 */
import { languageOf } from './i18n/locale.ts';

export const errorCodes = [
  'VALIDATION_FAILED',
  'MALFORMED_INPUT',
  'NOT_FOUND',
  'ACCESS_DENIED',
  'UNAUTHENTICATED',
  'CONFLICT',
  'VERSION_CONFLICT',
  'EXPIRED',
  'WRONG_TYPE',
  'INTEGRITY_FAILURE',
  'WRONG_MASTER_KEY',
  'TYPE_DEFINITION_INVALID',
  'CONFIG_INVALID',
  'UPSTREAM_FAILED',
  'EGRESS_DENIED',
  'DESTINATION_REFUSED',
  'BUSY',
  'RECONNECT_REQUIRED',
  'STEP_UP_REQUIRED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** One problem with one input field; `path` is dotted, with indexes: `entries.2.name`. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class TresorError extends Error {
  readonly code: ErrorCode;
  /** The field the error is about, when there is one (the first of several). */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }
}

/** The same problem worded in another locale (a credential type's messages are translated). */
export interface IssuesInLocale {
  prefix: string;
  issues: readonly FieldIssue[];
}

/**
 * Input that does not fit: every issue names its field. The message is English; where the
 * problem was worded in other locales too, `in(locale)` gives the error in one of them, so
 * a service need not know who reads its errors and the edge (API, UI, CLI) picks.
 */
export class ValidationError extends TresorError {
  readonly issues: readonly FieldIssue[];
  /** What was invalid, e.g. "Invalid SMTP outgoing server": the message's first part, before the issues. */
  readonly prefix: string;
  readonly translations: Readonly<Record<string, IssuesInLocale>>;

  constructor(
    issues: readonly FieldIssue[],
    prefix = 'Invalid input',
    translations: Record<string, IssuesInLocale> = {},
  ) {
    const first = issues[0];
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super('VALIDATION_FAILED', `${prefix}: ${summary}`, first?.path ? { field: first.path } : {});
    this.issues = Object.freeze([...issues]);
    this.prefix = prefix;
    this.translations = Object.freeze({ ...translations });
  }

  /** This error worded in `locale` (or its language), English when it was not translated. */
  in(locale: string): ValidationError {
    const worded = this.translations[locale] ?? this.translations[languageOf(locale)];
    return worded ? new ValidationError(worded.issues, worded.prefix) : this;
  }

  /** The same issues with every path under `parent` (a payload's fields are reported under `fields.`). */
  under(parent: string): ValidationError {
    const moved = (issues: readonly FieldIssue[]) =>
      issues.map((i) => ({ path: i.path ? `${parent}.${i.path}` : parent, message: i.message }));
    return new ValidationError(
      moved(this.issues),
      this.prefix,
      Object.fromEntries(
        Object.entries(this.translations).map(([locale, t]) => [locale, { prefix: t.prefix, issues: moved(t.issues) }]),
      ),
    );
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }

  /**
   * Several errors as one, so a form shows every problem in one round: the issues of each in
   * order, in each locale any of them was worded in (English where one was not).
   */
  static combine(errors: readonly ValidationError[], prefix = errors.at(-1)?.prefix): ValidationError {
    const locales = new Set(errors.flatMap((e) => Object.keys(e.translations)));
    const worded = (locale: string) => errors.flatMap((e) => (e.translations[locale] ?? e).issues);
    // The prefix in each locale: that of the error whose English prefix was taken, as worded there.
    const source = errors.find((e) => e.prefix === prefix);
    const prefixIn = (locale: string) => source?.translations[locale]?.prefix ?? prefix ?? 'Invalid input';
    return new ValidationError(
      errors.flatMap((e) => e.issues),
      prefix,
      Object.fromEntries([...locales].map((locale) => [locale, { prefix: prefixIn(locale), issues: worded(locale) }])),
    );
  }
}

/**
 * Text that is not well-formed Unicode (a lone UTF-16 surrogate): no field can hold it, and
 * PostgreSQL's jsonb refuses it, so it is refused where the request is read, naming where.
 */
export class MalformedInputError extends TresorError {
  constructor(field: string) {
    super('MALFORMED_INPUT', `${field}: the text is not well-formed Unicode (it holds a lone surrogate)`, { field });
  }
}

export class NotFoundError extends TresorError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class AccessDeniedError extends TresorError {
  constructor(message = 'You do not have permission to do this') {
    super('ACCESS_DENIED', message);
  }
}

export class ConflictError extends TresorError {
  constructor(message: string, field?: string) {
    super('CONFLICT', message, field === undefined ? {} : { field });
  }
}

export class VersionConflictError extends TresorError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      'VERSION_CONFLICT',
      `The secret changed since you read it: you had version ${expected}, it is now at version ${actual}. ` +
        `Reload and try again.`,
    );
  }
}

/** The secret's expiry has passed: renew it before use. */
export class ExpiredError extends TresorError {
  constructor(
    readonly secretName: string,
    readonly expiredAt: Date,
  ) {
    super('EXPIRED', `Secret "${secretName}" expired on ${expiredAt.toISOString()}; renew it before use`);
  }
}

/** The secret exists and may be used, but is not of the credential type the caller asked for. */
export class WrongTypeError extends TresorError {
  constructor(
    readonly secretName: string,
    actual: string,
    wanted: string,
  ) {
    super('WRONG_TYPE', `Secret "${secretName}" is a ${actual}, not a ${wanted}`);
  }
}

export class IntegrityError extends TresorError {
  constructor(message: string, cause?: unknown) {
    super('INTEGRITY_FAILURE', message, cause === undefined ? {} : { cause });
  }
}

/** A credential type class that cannot be registered; names the class and, where it can, the field. */
export class TypeDefinitionError extends TresorError {
  constructor(
    readonly className: string,
    readonly fieldName: string | undefined,
    problem: string,
  ) {
    const where = fieldName === undefined ? className : `${className}.${fieldName}`;
    super(
      'TYPE_DEFINITION_INVALID',
      `Credential type ${where}: ${problem}`,
      fieldName === undefined ? {} : { field: fieldName },
    );
  }
}

/** The key offered at start is not the one the database was sealed with, or a needed version is missing. */
export class WrongMasterKeyError extends TresorError {
  constructor(message: string) {
    super('WRONG_MASTER_KEY', message);
  }
}

export class ConfigError extends TresorError {
  constructor(message: string, field?: string) {
    super('CONFIG_INVALID', message, field === undefined ? {} : { field });
  }
}

/** A service a module talks to (SMTP server, Jira) refused or failed; the message says which and why. */
export class UpstreamError extends TresorError {
  constructor(message: string, cause?: unknown) {
    super('UPSTREAM_FAILED', message, cause === undefined ? {} : { cause });
  }
}

/**
 * A host name with no address: nothing refused it — it was not found (DNS). Told apart from an
 * egress refusal, so a test or a module says "not found", not "not allowed".
 */
export class HostNotFoundError extends UpstreamError {
  constructor(readonly host: string) {
    super(`${host} was not found: DNS gives it no address (check the spelling, or the network's name server)`);
  }
}

/** A connection Tresor would open (a connection test, a module) goes where the egress policy refuses. */
export class EgressDeniedError extends TresorError {
  constructor(message: string) {
    super('EGRESS_DENIED', message);
  }
}

/** A credential would be applied to a request for a destination its type does not allow (`allowedDomains`). */
export class DestinationRefusedError extends TresorError {
  constructor(message: string) {
    super('DESTINATION_REFUSED', message);
  }
}

/** Tresor is at capacity for this kind of work (the queue of slow checks is full): try again shortly. */
export class BusyError extends TresorError {
  constructor(message: string) {
    super('BUSY', message);
  }
}

/**
 * An OAuth2 secret has no usable grant: never connected, connected with other values (a new
 * client or token URL), or the authorization server refused its refresh token (revoked,
 * expired): someone who may change it must connect it again on its page.
 */
export class ReconnectRequiredError extends TresorError {
  constructor(
    readonly secretName: string,
    why: string,
  ) {
    super('RECONNECT_REQUIRED', `Secret "${secretName}" ${why}: connect it again on its page (Connect)`);
  }
}

export function isTresorError(error: unknown): error is TresorError {
  return error instanceof TresorError;
}
