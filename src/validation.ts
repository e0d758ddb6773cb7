/** Parses one input value with a zod schema, or throws a ValidationError naming the field. */
import type { z } from 'zod';
import { ValidationError } from './errors.ts';

export function parseField<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.field(field, result.error.issues[0]?.message ?? `${field} is invalid`);
  return result.data;
}
