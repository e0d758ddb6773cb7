/** Rules for the plaintext metadata of a secret: name and description. */
import { z } from 'zod';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Safe inside `{{ secret('name') }}`, a URL path segment and a shell argument. ASCII only,
 * so no two names look alike once case is folded (names compare case-insensitively), and
 * never shaped like an id, which a reference would resolve as the id instead.
 */
export const secretNameSchema = z
  .string({ error: 'Name must be text' })
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'Name must be 1–64 letters, digits, _, - or .')
  .refine((name) => name !== '.' && name !== '..', 'Name cannot be . or ..')
  .refine(
    (name) => !uuidPattern.test(name),
    'Name must not look like a secret id (a UUID): references would find the id instead',
  );

export const descriptionSchema = z
  .string({ error: 'Description must be text' })
  .max(500, 'Description must be at most 500 characters')
  .refine((s) => !s.includes('\u0000'), 'Description must not contain NUL characters');

export const reasonSchema = z
  .string({ error: 'Reason must be text' })
  .max(500, 'Reason must be at most 500 characters')
  .refine((s) => !s.includes('\u0000'), 'Reason must not contain NUL characters');

/** A reference to a secret: its id (a UUID) or its name. */
export function isSecretId(ref: string): boolean {
  return uuidPattern.test(ref);
}

/** The name of the space every installation has; a bare secret name resolves in it. */
export const defaultSpaceName = 'default';

/** Space names follow the rules of secret names (they stand before the `/` of `space/name`). */
export const spaceNameSchema = secretNameSchema;

/**
 * A reference by name split into its space and its name: `payments/smtp` is `smtp` in space
 * `payments`; a bare `smtp` is in the default space. Names hold no `/`, so the split is exact.
 */
export function spacedName(ref: string): { space: string; name: string } {
  const slash = ref.indexOf('/');
  return slash < 0
    ? { space: defaultSpaceName, name: ref }
    : { space: ref.slice(0, slash), name: ref.slice(slash + 1) };
}
