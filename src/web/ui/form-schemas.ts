/**
 * What UI routes accept, parsed with zod as the API's routes are: form posts (urlencoded,
 * parsed by qs into objects), path parameters and query strings. A request that does not
 * fit gets the error page naming the field; handlers never cast `request.body`.
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';

/** A text input; absent is empty. Long enough for any field, short enough to bound the work. */
export const text = (max = 100_000) => z.string().max(max).default('');

/** Every form carries the CSRF token (checked by @fastify/csrf-protection before the handler). */
export const form = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ _csrf: z.string().max(200).optional(), ...shape });

/** A generated credential form: name, description, expiry, version, and `fields[…]` read by the type's form model. */
export const secretForm = form({
  name: text(200),
  description: text(1000),
  expiresAt: text(40),
  expectedVersion: text(20),
  space: text(100),
  visibility: text(20),
  /** Editing: why (kept with the version it writes). */
  reason: text(1000),
  fields: z.record(z.string(), z.unknown()).default({}),
});

export const idParams = z.object({ id: z.string().min(1).max(200) });
export const typeParams = z.object({ type: z.string().min(1).max(100) });
export const groupParams = z.object({ group: z.string().min(1).max(200) });

/** Schemas of UI routes stay out of the OpenAPI document. */
export const uiSchema = <S extends object>(schema: S) => ({ hide: true, ...schema });

/** A new login password typed twice: the second must be the first (a typo would lock its owner out). */
export function sameTwice(password: string, confirm: string): void {
  if (password !== confirm) throw ValidationError.field('confirm', 'The two passwords differ: type the same one twice');
}
