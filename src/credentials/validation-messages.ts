/**
 * Turns zod issues into field issues a person can act on: the field's label in words, the
 * path for machines. Never echoes the input value (it may be a secret).
 */
import type { z } from 'zod';
import type { FieldIssue } from '../errors.ts';
import type { Messages } from '../i18n/messages.ts';
import type { CredentialDefinition } from './definition.ts';

type Issue = z.core.$ZodIssue;

function sentence(subject: string, message: string): string {
  return /^[a-z]/.test(message) ? `${subject} ${message}` : `${subject}: ${message}`;
}

/** zod does not report the input by default (good: it may be secret), so look up whether anything was given. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(issue: Issue, input: unknown, m: Messages): string {
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) == null) return m.required;
  return issue.message;
}

/** `definition` and `m` in the locale the issues were worded in (their schemas carry the messages). */
export function fieldIssuesOf(
  definition: CredentialDefinition,
  issues: readonly Issue[],
  input: unknown,
  m: Messages,
): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: key, message: m.notAField(key, definition.name) });
      continue;
    }
    const path = issue.path.map(String).join('.');
    const key = issue.path[0];
    const field = definition.fields.find((f) => f.key === key);
    if (!field) {
      out.push({
        path,
        message:
          path === ''
            ? sentence(m.credential, issue.code === 'invalid_type' ? m.mustBeObject : issue.message)
            : issue.message,
      });
      continue;
    }
    const sub = issue.path.slice(1);
    // A row of a name/value list is named by its position and, for its value, by its (public) name.
    const rowName = sub.length > 0 ? valueAt(input, [key!, sub[0]!, 'name']) : undefined;
    const subject =
      sub.length === 0
        ? field.label
        : m.pairPart(
            field.label,
            Number(sub[0]) + 1,
            sub[1] === undefined ? '' : String(sub[1]),
            typeof rowName === 'string' && rowName.trim() !== '' ? rowName.trim() : undefined,
          );
    out.push({ path, message: sentence(subject, describe(issue, input, m)) });
  }
  // One message per field: the first problem is the one to fix first.
  const seen = new Set<string>();
  return out.filter((issue) => !seen.has(issue.path) && seen.add(issue.path));
}
