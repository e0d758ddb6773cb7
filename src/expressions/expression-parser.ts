/**
 * Finds `{{ secret('NAME') }}` and `{{ secret('NAME').field }}` references in configuration
 * text, with their line numbers. A `{{ secret… }}` that does not parse is reported, never
 * passed through silently; other `{{ … }}` text is left alone for other template engines.
 */

import { ValidationError } from '../errors.ts';

export interface SecretReference {
  /** The exact text to replace, braces included. */
  raw: string;
  name: string;
  field: string | undefined;
  line: number;
  index: number;
}

export interface SyntaxIssue {
  line: number;
  raw: string;
  message: string;
}

/**
 * At most 256 characters between `{{ secret` and `}}` (a valid reference is far shorter): each
 * try is bounded, so the scan stays linear in the text however its braces are arranged.
 */
const candidate = /\{\{\s*secret\b[^}]{0,256}\}\}/g;

/** The largest text a reference scan takes (configuration, not data): 1 MiB of UTF-16 code units. */
export const maxExpressionText = 1024 * 1024;
// A name, or `space/name` (names and spaces hold no `/`), then an optional field.
const referenceName = String.raw`(?:[A-Za-z0-9_.-]{1,64}\/)?[A-Za-z0-9_.-]{1,64}`;
const exact = new RegExp(
  String.raw`^\{\{\s*secret\(\s*(['"])(${referenceName})\1\s*\)(?:\.([A-Za-z_][A-Za-z0-9_.-]{0,127}))?\s*\}\}$`,
);

export function parseReferences(text: string): { references: SecretReference[]; issues: SyntaxIssue[] } {
  if (text.length > maxExpressionText)
    throw ValidationError.field(
      'text',
      `The text is too long to scan for references (at most ${maxExpressionText} characters)`,
    );
  const references: SecretReference[] = [];
  const issues: SyntaxIssue[] = [];
  // Lines are counted from the previous match on, never from the start again.
  let line = 1;
  let counted = 0;
  for (const match of text.matchAll(candidate)) {
    const raw = match[0];
    const index = match.index ?? 0;
    for (let at = text.indexOf('\n', counted); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line++;
    counted = index;
    const parsed = exact.exec(raw);
    if (!parsed) {
      issues.push({
        line,
        raw,
        message: `${raw} is not a valid reference: write {{ secret('name') }} or {{ secret('name').field }}`,
      });
      continue;
    }
    references.push({ raw, name: parsed[2]!, field: parsed[3], line, index });
  }
  return { references, issues };
}
