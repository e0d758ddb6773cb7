/**
 * How an update treats secret fields: left empty a stored value is kept, `null` clears an
 * optional one, and a value entered is always a change. And the two rules that keep stored
 * secrets from being redirected or probed through an update.
 */
import type { CredentialDefinition, CredentialHooks, FieldDefinition } from './definition.ts';
import type { FieldValue, Pair, Payload } from './field-options.ts';
import { labelIn, type Problem } from './localized-type.ts';

/** Whether an update input enters a value for a secret field (for pairs: every value). */
export function entered(field: FieldDefinition, value: unknown): boolean {
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

/** The stored secret fields an update input keeps: neither entered again nor cleared. */
export function keptSecrets(definition: CredentialDefinition, input: unknown, stored: Payload): string[] {
  const values = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  return definition.fields
    .filter((f) => f.secret && !entered(f, values[f.key]) && values[f.key] !== null && stored[f.key] !== undefined)
    .map((f) => f.key);
}

/**
 * The secret fields an update input enters a value for (empty means "keep", so it does not
 * count). Entering a secret always writes a new version, even when the value is the stored
 * one: an answer of "nothing changed" would tell the caller it guessed the stored value.
 */
export function enteredSecrets(definition: CredentialDefinition, input: unknown): string[] {
  if (input === null || typeof input !== 'object') return [];
  const values = input as Record<string, unknown>;
  return definition.fields.filter((f) => f.secret && entered(f, values[f.key])).map((f) => f.key);
}

/**
 * A secret field's next value: the entered one, the stored one when left empty, none when
 * cleared. In a list of pairs, a pair whose value is left empty keeps the stored pair's value
 * of the same name (a problem when there is none).
 */
export function keepSecret(
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

/**
 * Two rules that keep stored secrets from being redirected or probed through an update:
 * - a destination field (where the credential is sent) may change only when every stored
 *   secret field is entered again in the same update (as Grafana and Jenkins ask);
 * - a type's `validate` hook checks fields together, so it must never see a stored secret
 *   beside an entered one (a wrong passphrase answering 422 and a right one passing would
 *   let whoever may edit the secret test guesses): enter them together, or clear the other.
 */
export function reentryProblems(
  definition: CredentialDefinition,
  input: Record<string, unknown>,
  merged: Payload,
  stored: Payload,
): Problem[] {
  const secrets = definition.fields.filter((f) => f.secret);
  const keptKeys = new Set(keptSecrets(definition, input, stored));
  const kept = secrets.filter((f) => keptKeys.has(f.key));
  if (kept.length === 0) return [];
  const moved = definition.fields.filter(
    (f) => f.destination && canonical(merged[f.key] ?? f.default) !== canonical(stored[f.key] ?? f.default),
  );
  if (moved.length > 0)
    return kept.map((f) => (v) => ({
      path: f.key,
      message: v.m.reenterForDestination(labelIn(v, f), moved.map((g) => labelIn(v, g)).join(', ')),
    }));
  const hooked = typeof (definition.ctor.prototype as CredentialHooks).validate === 'function';
  const enteredOnes = secrets.filter((f) => entered(f, input[f.key]));
  if (!hooked || enteredOnes.length === 0) return [];
  return kept.map((f) => (v) => ({
    path: f.key,
    message: v.m.reenterTogether(labelIn(v, f), enteredOnes.map((g) => labelIn(v, g)).join(', ')),
  }));
}
