/** Objects as JSON carries them: every Date an ISO string (the API's answers, the CLI's local backend). */

/** `T` with each Date (or Date | null) property as an ISO string (or null). */
export type Dated<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

/** The object with its dates as ISO strings (a plain loop: it runs for every item of every listing). */
export function isoDates<T extends object>(value: T): Dated<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = v instanceof Date ? v.toISOString() : v;
  return out as Dated<T>;
}
