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
export const serializationFailure = '40001';
export const deadlockDetected = '40P01';

/** Class 22 (data exception): a value PostgreSQL cannot store, such as a NUL character in text. */
export const isDataException = (error: unknown): boolean => pgErrorCode(error)?.startsWith('22') === true;

/** PostgreSQL text cannot hold NUL: a lookup by such a value can only find nothing. */
export const storable = (text: string): boolean => !text.includes('\u0000');
