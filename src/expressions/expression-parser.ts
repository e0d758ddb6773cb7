/**
 * Finds `{{ secret('NAME') }}` and `{{ secret('NAME').field }}` references in configuration
 * text, with their line numbers. A `{{ secret… }}` that does not parse is reported, never
 * passed through silently; other `{{ … }}` text is left alone for other template engines.
 */

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

const candidate = /\{\{\s*secret\b[^}]*\}\}/g;
const exact = /^\{\{\s*secret\(\s*(['"])([A-Za-z0-9_.-]{1,64})\1\s*\)(?:\.([A-Za-z_][A-Za-z0-9_.-]{0,127}))?\s*\}\}$/;

export function parseReferences(text: string): { references: SecretReference[]; issues: SyntaxIssue[] } {
  const references: SecretReference[] = [];
  const issues: SyntaxIssue[] = [];
  for (const match of text.matchAll(candidate)) {
    const raw = match[0];
    const index = match.index ?? 0;
    const line = text.slice(0, index).split('\n').length;
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
