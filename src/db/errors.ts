/** Reads PostgreSQL error codes through drizzle's and the drivers' wrappers. */
export function pgErrorCode(error: unknown): string | undefined {
  for (
    let e: unknown = error, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const uniqueViolation = '23505';
export const foreignKeyViolation = '23503';
export const serializationFailure = '40001';
export const deadlockDetected = '40P01';

/** Class 22 (data exception): a value PostgreSQL cannot store, such as a NUL character in text. */
export const isDataException = (error: unknown): boolean => pgErrorCode(error)?.startsWith('22') === true;

/** PostgreSQL text cannot hold NUL: a lookup by such a value can only find nothing. */
export const storable = (text: string): boolean => !text.includes('\u0000');

/**
 * An error as it may be printed or logged: a failed query's text and bound parameters (which
 * drizzle puts in the message: password hashes, token hashes, sealed bytes) are left out;
 * what PostgreSQL said (code, message, constraint) stays.
 */
export function printable(error: unknown): { name: string; message: string; code?: string; stack?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const failedQuery = 'params' in error || 'query' in error;
  if (!failedQuery) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = pgErrorCode(error);
  const constraint = cause && 'constraint_name' in cause ? ` (${String(cause.constraint_name)})` : '';
  return {
    name: 'DatabaseError',
    message: `A query failed: ${cause?.message ?? 'no reason given'}${constraint}`,
    ...(code ? { code } : {}),
  };
}
