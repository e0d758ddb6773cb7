/**
 * What a developer writes in `@Credential({...})` and `@Field({...})`. These are the raw,
 * unchecked records the decorators store; `definition.builder.ts` checks them and turns
 * them into frozen definitions.
 */
import type { z } from 'zod';
import type { Text } from './texts.ts';

export const fieldStyles = [
  'text',
  'secret',
  'multiline',
  'number',
  'select',
  'checkbox',
  'date',
  'url',
  'email',
  'pem',
  'pairs',
  'secretRef',
] as const;

export type FieldStyle = (typeof fieldStyles)[number];

/** A name/value entry of a `pairs` field (the Generic type). */
export interface Pair {
  name: string;
  value: string;
}

export type FieldValue = string | number | boolean | Pair[];

/** A stored credential payload: field key to value. Secret fields included; never leaves a service. */
export type Payload = Record<string, FieldValue>;

export interface SelectOption {
  value: string;
  label: string;
}

/** An option as the author writes it: its label may be given per locale. */
export interface SelectOptionInput {
  value: string;
  label: Text;
}

/**
 * Every text below (label, help, placeholder, option labels, patternMessage, and a type's
 * name and description) is a `Text`: English as a string, or per locale as
 * `{ en: 'Host', de: 'Server' }`.
 */
export interface FieldOptions {
  /** Shown beside the input. */
  label: Text;
  /** One sentence under the input. */
  help?: Text;
  /** How the input looks and which base validation applies. Default `text`. */
  style?: FieldStyle;
  /**
   * Write-only: stored sealed, never shown again, left empty on edit to keep it.
   * Implied by style `secret`; set it on `pem`, `multiline` or `pairs` fields that hold secrets.
   */
  secret?: boolean;
  /**
   * Where the credential is sent (SMTP host, port, security; an API's base URL). Changing a
   * destination field requires re-entering every secret field in the same update, so whoever
   * may edit a secret cannot point its stored password at a server of their choosing.
   */
  destination?: boolean;
  /** The field may be left out. Fields with a default are never required on input. */
  optional?: boolean;
  /** Applied on create when the field is left out, and on read for payloads stored before the field existed. */
  default?: FieldValue;
  /** Position in forms; declaration order when left out. */
  order?: number;
  placeholder?: Text;
  /** Options of a `select` field; plain strings use the value as label. */
  options?: readonly (string | SelectOptionInput)[];
  /** Constraint shorthand; numbers for `number`, lengths for text styles. */
  min?: number;
  max?: number;
  integer?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Said when `pattern` does not match, e.g. "use letters and digits only". */
  patternMessage?: Text;
  /** For `url` fields: allowed protocols, e.g. ['https']. */
  protocols?: readonly string[];
  /** For `secretRef` fields: the credential type id the referenced secret must have. */
  refType?: string;
  /**
   * For a secret text field: Tresor can make its value (the form's Generate button, the CLI's
   * `--generate`, the API's `generate`): `{ length, classes? }` of characters drawn evenly
   * (lower, upper, digits, symbols; every class at least once), or `{ format, bytes }` random
   * bytes as base64, base64url or hex.
   */
  generate?: Generator;
  /** A zod schema for the value; replaces the style's base schema (the shorthand still applies on top). */
  schema?: z.ZodType;
  /**
   * Show this field only when other fields hold one of the listed values, e.g.
   * `{ security: ['starttls', 'tls'] }` (every named field must match; a field left out counts
   * with its default). A field not shown is neither required nor validated, and is dropped
   * from the stored payload; the form, the zod schema and the JSON Schema all say the same.
   */
  showWhen?: ShowWhen;
}

/** Controlling field → the values for which the field is shown. */
export type ShowWhen = Readonly<Record<string, readonly (string | number | boolean)[]>>;

/** A type that must be shared with a group, e.g. SMTP with `system`. Enforced by the sharing engine. */
export interface SharingRule {
  requiredGroup: string;
  /** Only members of `requiredGroup` may create a secret of this type. */
  creatorMustBelong: boolean;
}

export interface CredentialOptions {
  /** Stable id, stored with every secret: lowercase letters, digits and dashes. Never change it. */
  id: string;
  name: Text;
  description: Text;
  /** An https URL, a data: URI, or the file name of a bundled asset in `credential-types/logos/`. */
  logo: string;
  sharing?: SharingRule;
  /** A `date` field whose value becomes the secret's expiry (unless the user sets an earlier one). */
  expiresFrom?: string;
  /**
   * The facts the `facts()` hook derives, as people should read them: a label, and `kind: 'date'`
   * for an ISO instant (shown in the reader's language) or `'mono'` for a fingerprint or key. At most
   * one may be the `expiry`: its date becomes the secret's expiry (a certificate's leaf not-after),
   * unless the user sets an earlier one. A fact left out is shown under its key.
   */
  facts?: Readonly<Record<string, FactOptions>>;
  /**
   * How the credential is applied to an HTTP request (n8n's generic `authenticate`), for
   * modules that call `context.http()`: they send requests with it and never see the value.
   */
  authenticate?: Authenticate;
  /**
   * Where such requests may go: host patterns (`api.example.com`, `*.atlassian.net`) and
   * `{ field }` for the host (and port) of one of the type's url fields. Required with `authenticate`.
   */
  allowedDomains?: readonly (string | { field: string })[];
}

export const characterClasses = ['lower', 'upper', 'digits', 'symbols'] as const;
export type CharacterClass = (typeof characterClasses)[number];
export type Generator =
  | { length: number; classes?: readonly CharacterClass[] }
  | { format: 'base64' | 'base64url' | 'hex'; bytes: number };

export interface FactOptions {
  label: Text;
  kind?: 'text' | 'date' | 'mono';
  expiry?: boolean;
}

/** Each names the fields it takes its values from. */
export type Authenticate =
  | { kind: 'bearer'; field: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'header'; name: string; field: string; prefix?: string }
  | { kind: 'query'; name: string; field: string };
