/**
 * Turns the raw decorator records of one class into a checked, frozen definition, or
 * refuses the class with an error that names it and the offending field.
 */

import { TypeDefinitionError } from '../errors.ts';
import { isLocale, type Locale, sourceLocale } from '../i18n/locale.ts';
import { messagesFor } from '../i18n/messages.ts';
import type { CredentialDefinition, FieldDefinition } from './definition.ts';
import {
  type CredentialOptions,
  type FieldOptions,
  type FieldStyle,
  fieldStyles,
  type SelectOption,
  type SelectOptionInput,
} from './field-options.ts';
import { constraintsOf, valueSchemaOf } from './field-schemas.ts';
import { generatorProblem } from './generate.ts';
import type { CredentialClass, FieldRecord, MetadataStore } from './metadata.store.ts';
import { localesOfText, type Text, type Translations, textIn, translationsOf } from './texts.ts';

const typeIdPattern = /^[a-z][a-z0-9-]{1,47}$/;
const fieldKeyPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const bundledLogoPattern = /^[a-z0-9][a-z0-9._-]*\.(svg|png)$/;
const stringStyles: readonly FieldStyle[] = ['text', 'secret', 'multiline', 'url', 'email', 'pem'];

function isLogo(logo: string): boolean {
  if (bundledLogoPattern.test(logo)) return true;
  if (logo.startsWith('data:image/')) return true;
  try {
    return new URL(logo).protocol === 'https:';
  } catch {
    return false;
  }
}

function normaliseOptions(
  options: readonly (string | SelectOptionInput)[] | undefined,
): SelectOptionInput[] | undefined {
  return options?.map((o) => (typeof o === 'string' ? { value: o, label: o } : { value: o.value, label: o.label }));
}

/** A text is a non-empty string, or per locale with English given and every locale a BCP 47 tag. */
function textProblem(text: unknown, what: string, required = false): string | undefined {
  if (typeof text === 'string') return required && text.trim() === '' ? `needs a ${what}` : undefined;
  if (text === null || typeof text !== 'object' || Array.isArray(text))
    return `${what} must be a string or per locale, like { en: '…', de: '…' }`;
  const entries = Object.entries(text);
  if (!entries.some(([locale]) => locale === sourceLocale))
    return `${what} needs its English text (en): it is the fallback of every locale`;
  for (const [locale, value] of entries) {
    if (!isLocale(locale)) return `${what} names "${locale}", which is not a locale like de or pt-BR`;
    if (typeof value !== 'string' || value.trim() === '') return `${what} in ${locale} must be non-empty text`;
  }
  return undefined;
}

function frozenTranslations(text: Text): Translations {
  return Object.freeze({ ...translationsOf(text) });
}

function frozenIfGiven(text: Text | undefined): Translations | undefined {
  return text === undefined ? undefined : frozenTranslations(text);
}

function buildField(className: string, record: FieldRecord): FieldDefinition {
  const fail = (problem: string): never => {
    throw new TypeDefinitionError(className, record.key, problem);
  };
  const o: FieldOptions = record.options;
  if (!fieldKeyPattern.test(record.key))
    fail('field names must start with a letter and use only letters, digits and _');
  if (o.label === undefined) fail('needs a label');
  for (const [what, text] of [
    ['label', o.label],
    ['help', o.help],
    ['placeholder', o.placeholder],
    ['patternMessage', o.patternMessage],
  ] as const) {
    const problem = text === undefined ? undefined : textProblem(text, what, what === 'label');
    if (problem) fail(problem);
  }
  const style: FieldStyle = o.style ?? 'text';
  if (!(fieldStyles as readonly string[]).includes(style))
    fail(`unknown style "${String(style)}" (known: ${fieldStyles.join(', ')})`);
  if (style === 'secret' && o.secret === false) fail('style "secret" cannot be marked secret: false');
  const secret = style === 'secret' || o.secret === true;
  if (secret && o.default !== undefined)
    fail('a secret field cannot have a default value (it would be the same secret everywhere)');
  if (secret && style === 'checkbox') fail('a checkbox cannot be secret');
  if (secret && o.destination === true)
    fail('a destination (where the credential is sent) cannot be secret: users must see where it goes');
  const options = normaliseOptions(o.options);
  if (style === 'select') {
    if (!options || options.length === 0) fail('a select field needs at least one option');
    const values = options!.map((x) => x.value);
    if (new Set(values).size !== values.length) fail('select options must have distinct values');
    for (const option of options!) {
      const problem = textProblem(option.label, `label for option "${option.value}"`, true);
      if (problem) fail(problem);
    }
  } else if (options !== undefined) {
    fail(`options only apply to select fields, not style "${style}"`);
  }
  if ((o.min !== undefined || o.max !== undefined || o.integer !== undefined) && style !== 'number' && !o.schema)
    fail(`min, max and integer apply to number fields, not style "${style}"`);
  if (o.pattern !== undefined && !stringStyles.includes(style))
    fail(`pattern applies to text styles, not style "${style}"`);
  // A class written in JavaScript (or cast) can pass a string; zod would fail on it at the first parse, not here.
  if (o.pattern !== undefined && !(o.pattern instanceof RegExp))
    fail(`pattern must be a regular expression such as /^[a-z]+$/, not a ${typeof o.pattern}`);
  if (o.protocols !== undefined && style !== 'url') fail('protocols apply to url fields only');
  if (o.refType !== undefined && style !== 'secretRef') fail('refType applies to secretRef fields only');
  if (o.refType !== undefined && !typeIdPattern.test(o.refType))
    fail(`refType "${o.refType}" is not a credential type id`);
  if (style === 'secretRef' && secret) fail('a secretRef holds a name, not a secret value; it cannot be secret');
  if (o.optional === true && o.default !== undefined)
    fail('a field with a default is already optional; remove optional: true or the default');
  if (o.generate !== undefined) {
    if (!secret || !['secret', 'multiline', 'text'].includes(style))
      fail('generate applies to secret text fields (style "secret", or a text field marked secret)');
    const problem = generatorProblem(o.generate);
    if (problem) fail(problem);
  }

  const constraints = constraintsOf(o, style);
  const optionValues = options?.map((x) => x.value) ?? [];
  const schemaIn = (locale: Locale) =>
    valueSchemaOf(o, style, constraints, optionValues, {
      m: messagesFor(locale),
      patternMessage: textIn(o.patternMessage, locale),
    });
  const valueSchema = schemaIn(sourceLocale);
  const byLocale = new Map<Locale, ReturnType<typeof schemaIn>>([[sourceLocale, valueSchema]]);
  if (o.default !== undefined) {
    const check = valueSchema.safeParse(o.default);
    if (!check.success)
      fail(
        `the default value ${JSON.stringify(o.default)} fails the field's own validation ` +
          `(${check.error.issues[0]?.message ?? 'invalid'})`,
      );
  }
  return Object.freeze({
    key: record.key,
    label: textIn(o.label, sourceLocale),
    help: textIn(o.help, sourceLocale),
    style,
    secret,
    destination: o.destination === true,
    optional: o.optional === true || o.default !== undefined,
    default: o.default,
    order: o.order ?? record.declarationIndex,
    placeholder: textIn(o.placeholder, sourceLocale),
    options: options
      ? Object.freeze(
          options.map((x): SelectOption => Object.freeze({ value: x.value, label: textIn(x.label, sourceLocale) })),
        )
      : undefined,
    constraints: Object.freeze(constraints),
    refType: o.refType,
    generate: o.generate
      ? Object.freeze(
          'format' in o.generate
            ? { ...o.generate }
            : {
                length: o.generate.length,
                ...(o.generate.classes ? { classes: Object.freeze([...o.generate.classes]) } : {}),
              },
        )
      : undefined,
    valueSchema,
    valueSchemaIn(locale: Locale) {
      const known = byLocale.get(locale);
      if (known) return known;
      const schema = schemaIn(locale);
      byLocale.set(locale, schema);
      return schema;
    },
    texts: Object.freeze({
      label: frozenTranslations(o.label),
      help: frozenIfGiven(o.help),
      placeholder: frozenIfGiven(o.placeholder),
      options: options
        ? Object.freeze(Object.fromEntries(options.map((x) => [x.value, frozenTranslations(x.label)])))
        : undefined,
      patternMessage: frozenIfGiven(o.patternMessage),
    }),
    showWhen: o.showWhen
      ? Object.freeze(Object.fromEntries(Object.entries(o.showWhen).map(([k, v]) => [k, Object.freeze([...v])])))
      : undefined,
  });
}

/**
 * Conditions name fields of the type that are not secret (a form may not reveal anything
 * about a secret by what it shows), with values those fields can hold, and never lead back
 * to the field itself.
 */
function checkConditions(className: string, fields: readonly FieldDefinition[]): void {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const field of fields) {
    if (!field.showWhen) continue;
    const fail = (problem: string): never => {
      throw new TypeDefinitionError(className, field.key, problem);
    };
    const entries = Object.entries(field.showWhen);
    if (entries.length === 0) fail('showWhen names no field');
    for (const [key, values] of entries) {
      const controller = byKey.get(key);
      if (!controller) fail(`showWhen names "${key}", which is not a field of the type`);
      if (controller!.key === field.key) fail('showWhen cannot depend on the field itself');
      if (controller!.secret) fail(`showWhen cannot depend on "${key}": it is a secret field`);
      if (controller!.style === 'pairs') fail(`showWhen cannot depend on "${key}": a pairs field has no single value`);
      if (!Array.isArray(values) || values.length === 0) fail(`showWhen.${key} must list at least one value`);
      for (const value of values)
        if (!controller!.valueSchema.safeParse(value).success)
          fail(`showWhen.${key} lists ${JSON.stringify(value)}, which "${key}" can never hold`);
    }
  }
  // A cycle (a shown only when b, b only when a) would leave both hidden for ever.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (key: string, path: string[]): void => {
    if (done.has(key)) return;
    if (visiting.has(key))
      throw new TypeDefinitionError(className, key, `showWhen conditions form a cycle: ${[...path, key].join(' → ')}`);
    visiting.add(key);
    for (const next of Object.keys(byKey.get(key)?.showWhen ?? {})) visit(next, [...path, key]);
    visiting.delete(key);
    done.add(key);
  };
  for (const field of fields) visit(field.key, []);
}

import { hasOAuth2Fields } from './oauth2-shape.ts';

const hostPattern = /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$/i;
const authKinds = new Set(['bearer', 'basic', 'header', 'query']);

/**
 * `authenticate` names fields of the type; a credential applied to requests must say where
 * they may go (`allowedDomains`), with host patterns or a url field that is a destination.
 */
function checkAuthenticate(className: string, type: CredentialOptions, fields: readonly FieldDefinition[]): void {
  const fail = (problem: string, field?: string): never => {
    throw new TypeDefinitionError(className, field, problem);
  };
  const auth = type.authenticate;
  if (!auth) {
    if (!type.allowedDomains) return;
    // An OAuth2 type's access token is applied without a declaration: allowedDomains alone says where.
    if (!hasOAuth2Fields(fields.map((f) => f.key)))
      fail('allowedDomains applies only with authenticate (or to an OAuth2 type)');
    checkDomains(type.allowedDomains, fields, fail);
    return;
  }
  if (!authKinds.has(auth.kind))
    fail(`authenticate.kind "${String(auth.kind)}" must be bearer, basic, header or query`);
  const named = auth.kind === 'basic' ? [auth.username, auth.password] : [auth.field];
  for (const key of named)
    if (!fields.some((f) => f.key === key)) fail(`authenticate names "${key}", which is not a field of the type`);
  if ((auth.kind === 'header' || auth.kind === 'query') && !/^[A-Za-z0-9_-]+$/.test(auth.name))
    fail(`authenticate.name "${auth.name}" is not a header or parameter name`);
  if (!type.allowedDomains || type.allowedDomains.length === 0)
    fail('authenticate needs allowedDomains: where the credential may be sent');
  checkDomains(type.allowedDomains!, fields, fail);
}

function checkDomains(
  domains: NonNullable<CredentialOptions['allowedDomains']>,
  fields: readonly FieldDefinition[],
  fail: (problem: string, field?: string) => never,
): void {
  for (const domain of domains) {
    if (typeof domain === 'string') {
      if (!hostPattern.test(domain)) fail(`allowedDomains entry "${domain}" is not a host name or *.pattern`);
      continue;
    }
    const field = fields.find((f) => f.key === domain.field);
    if (!field || field.style !== 'url' || !field.destination)
      fail(`allowedDomains { field: "${domain.field}" } must name a url field marked destination`, domain.field);
  }
}

export function buildDefinition<T extends object>(
  store: MetadataStore,
  ctor: CredentialClass<T>,
): CredentialDefinition<T> {
  const className = ctor.name || '(anonymous class)';
  const fail = (problem: string, field?: string): never => {
    throw new TypeDefinitionError(className, field, problem);
  };
  const type = store.typeOptions(ctor);
  if (!type) return fail('is not decorated with @Credential({ id, name, description, logo })');
  if (typeof type.id !== 'string' || !typeIdPattern.test(type.id))
    fail(`id "${String(type.id)}" must be 2–48 lowercase letters, digits or dashes, starting with a letter`);
  if (type.name === undefined) fail('needs a name');
  if (type.description === undefined) fail('needs a description');
  for (const [what, text] of [
    ['name', type.name],
    ['description', type.description],
  ] as const) {
    const problem = textProblem(text, what, true);
    if (problem) fail(problem);
  }
  if (typeof type.logo !== 'string' || !isLogo(type.logo))
    fail(`logo "${String(type.logo)}" must be an https URL, a data:image URI, or a bundled file name like smtp.svg`);
  if (type.sharing && (typeof type.sharing.requiredGroup !== 'string' || type.sharing.requiredGroup.trim() === ''))
    fail('sharing.requiredGroup must name a group');

  const records = store.fields(ctor);
  if (records.length === 0) fail('has no fields: decorate at least one property with @Field');
  const fields = records.map((r) => buildField(className, r)).sort((a, b) => a.order - b.order);
  checkConditions(className, fields);
  if (type.expiresFrom !== undefined) {
    const field = fields.find((f) => f.key === type.expiresFrom);
    if (!field || field.style !== 'date')
      fail(`expiresFrom "${type.expiresFrom}" must name a date field of the type`, type.expiresFrom);
  }
  checkAuthenticate(className, type, fields);
  const facts = Object.entries(type.facts ?? {}).map(([key, fact]) =>
    Object.freeze({
      key,
      texts: Object.freeze({ label: frozenTranslations(fact.label) }),
      kind: fact.kind ?? (fact.expiry ? 'date' : 'text'),
    }),
  );
  const expiring = Object.entries(type.facts ?? {}).filter(([, fact]) => fact.expiry === true);
  if (expiring.length > 1)
    fail(`facts: at most one may be the expiry (${expiring.map(([key]) => key).join(', ')} are)`, expiring[1]![0]);
  if (expiring[0] && (type.facts?.[expiring[0][0]]?.kind ?? 'date') !== 'date')
    fail(`facts: the expiry fact "${expiring[0][0]}" must be of kind 'date'`, expiring[0][0]);
  const texts = Object.freeze({
    name: frozenTranslations(type.name),
    description: frozenTranslations(type.description),
  });
  return Object.freeze({
    id: type.id,
    name: texts.name.en,
    description: texts.description.en,
    texts,
    locales: Object.freeze(localesOf(texts, fields)),
    logo: type.logo,
    sharing: type.sharing ? Object.freeze({ ...type.sharing }) : undefined,
    expiresFrom: type.expiresFrom,
    facts: Object.freeze(facts),
    expiryFact: expiring[0]?.[0],
    authenticate: type.authenticate ? Object.freeze({ ...type.authenticate }) : undefined,
    // Copied, not frozen in place: the author's own options object stays theirs.
    allowedDomains: type.allowedDomains
      ? Object.freeze(
          type.allowedDomains.map((d) => (typeof d === 'string' ? d.toLowerCase() : Object.freeze({ field: d.field }))),
        )
      : undefined,
    className,
    ctor,
    fields: Object.freeze(fields),
  });
}

/** Every locale the type's texts are given in, English first, the rest sorted. */
function localesOf(
  texts: { name: Translations; description: Translations },
  fields: readonly FieldDefinition[],
): Locale[] {
  const all = new Set<Locale>([...localesOfText(texts.name), ...localesOfText(texts.description)]);
  for (const field of fields) {
    const { label, help, placeholder, options, patternMessage } = field.texts;
    for (const text of [label, help, placeholder, patternMessage, ...Object.values(options ?? {})])
      for (const locale of localesOfText(text)) all.add(locale);
  }
  all.delete(sourceLocale);
  return [sourceLocale, ...[...all].sort()];
}
