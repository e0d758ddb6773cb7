/**
 * Well-formed Unicode text: JavaScript strings may hold lone UTF-16 surrogates (JSON's
 * "\ud800" parses to one), which no UTF-8 column, no jsonb value and no other system can
 * hold. Edges refuse them (`malformedPath`); what is recorded anyway is mended (`wellFormed`).
 */

/** A lone surrogate: in a `u` regular expression a proper pair is one code point, so only lone halves match. */
const loneSurrogate = /\p{Cs}/u;
const loneSurrogates = /\p{Cs}/gu;

export const isWellFormed = (text: string): boolean => !loneSurrogate.test(text);

/** The text with every lone surrogate replaced by U+FFFD, as String.prototype.toWellFormed does. */
export const wellFormed = (text: string): string =>
  isWellFormed(text) ? text : text.replace(loneSurrogates, '\uFFFD');

/**
 * Where in a parsed input (JSON, a form, a query string) the first malformed text is, as a
 * dotted path under `root` (a malformed key names the object holding it); undefined if none.
 */
export function malformedPath(value: unknown, root: string): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : root;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = malformedPath(value[i], `${root}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!isWellFormed(key)) return root;
    const found = malformedPath(item, `${root}.${key}`);
    if (found) return found;
  }
  return undefined;
}
