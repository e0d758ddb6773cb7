/**
 * A secret's expiry, the one rule for create, update and rollback alike: the earlier of the
 * user's own choice and what the values carry (a date field, or a fact such as a
 * certificate's not-after). A user may shorten a certificate's life, never lengthen it.
 */
import type { CredentialDefinition } from './definition.ts';
import type { Payload } from './field-options.ts';

type Facts = Readonly<Record<string, string>> | null | undefined;

/**
 * The expiry the values themselves carry: the type's `expiresFrom` date field (to the end of
 * that day), or its fact marked `expiry` (a certificate's leaf not-after); the earlier if both.
 */
export function carriedExpiry(definition: CredentialDefinition, payload: Payload, facts: Facts): Date | undefined {
  const { expiresFrom, expiryFact } = definition;
  const field = expiresFrom === undefined ? undefined : payload[expiresFrom];
  const fromField = typeof field === 'string' ? new Date(`${field}T23:59:59.999Z`) : undefined;
  const fact = expiryFact === undefined ? undefined : facts?.[expiryFact];
  const fromFact = fact === undefined ? undefined : new Date(fact);
  const dates = [fromField, fromFact].filter((d): d is Date => d !== undefined && !Number.isNaN(d.getTime()));
  return dates.length === 0 ? undefined : new Date(Math.min(...dates.map((d) => d.getTime())));
}

/** The secret's expiry: the earlier of the user's choice and what the values carry. */
export function expiryOf(
  definition: CredentialDefinition,
  payload: Payload,
  facts: Facts,
  chosen: Date | null | undefined,
): Date | null {
  const carried = carriedExpiry(definition, payload, facts);
  if (!chosen) return carried ?? null;
  return carried && carried < chosen ? carried : chosen;
}

/**
 * The user's own choice inside a stored expiry: a date before what the stored values carry was
 * chosen; one equal to it came from them (and follows them when they change).
 */
export function chosenExpiry(
  definition: CredentialDefinition,
  stored: Date | null,
  payload: Payload,
  facts: Facts,
): Date | null {
  const carried = carriedExpiry(definition, payload, facts);
  if (!stored || !carried) return stored;
  return stored < carried ? stored : null;
}
