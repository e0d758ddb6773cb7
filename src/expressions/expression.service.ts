/**
 * Secret references in configuration text. `check` validates every reference without
 * resolving it (for save time): syntax, that the secret exists and is usable by the
 * principal, not expired, and that the field exists. `render` resolves them, each through
 * use() (so each is audited), and returns the text with values in place. Errors name the
 * reference and its line; resolved values are never logged or put into an error.
 */
import type { CredentialType, Payload } from '../credentials/index.ts';
import { ExpiredError, type FieldIssue, NotFoundError, ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { UseService } from '../secrets/use.service.ts';
import { parseReferences, type SecretReference } from './expression-parser.ts';

type Usage = Pick<UseService, 'useAny' | 'checkUsable'>;

function fieldProblem(type: CredentialType, ref: SecretReference): string | undefined {
  const fields = type.definition.fields;
  if (ref.field === undefined) {
    const secrets = fields.filter((f) => f.secret && f.style !== 'pairs');
    if (secrets.length === 1) return undefined;
    const which = secrets.length === 0 ? 'no single secret field' : 'several secret fields';
    const example = `{{ secret('${ref.name}').${fields.find((f) => f.secret)?.key ?? 'field'} }}`;
    return `${type.definition.name} has ${which}; name one, e.g. ${example}`;
  }
  if (fields.some((f) => f.key === ref.field && f.style !== 'pairs')) return undefined;
  if (fields.some((f) => f.style === 'pairs')) return undefined; // a pair name: known only once opened
  return `${type.definition.name} has no field "${ref.field}" (fields: ${fields.map((f) => f.key).join(', ')})`;
}

function fieldValueOf(type: CredentialType, payload: Payload, ref: SecretReference): string | undefined {
  const fields = type.definition.fields;
  const key = ref.field ?? fields.find((f) => f.secret && f.style !== 'pairs')?.key;
  const field = fields.find((f) => f.key === key && f.style !== 'pairs');
  if (field) {
    const value = payload[field.key] ?? field.default;
    return value === undefined || Array.isArray(value) ? undefined : String(value);
  }
  for (const pairs of fields.filter((f) => f.style === 'pairs')) {
    const entries = payload[pairs.key];
    const hit = Array.isArray(entries) ? entries.find((e) => e.name === ref.field) : undefined;
    if (hit) return hit.value;
  }
  return undefined;
}

const issueAt = (ref: { line: number; raw: string }, message: string): FieldIssue => ({
  path: `line ${ref.line}`,
  message: `${ref.raw}: ${message}`,
});

/** What a failed access check means for a reference; other errors are not the text's fault. */
function problemOf(error: unknown, name: string): string {
  if (error instanceof NotFoundError) return `no usable secret named "${name}"`;
  if (error instanceof ExpiredError) return `secret "${name}" has expired`;
  throw error;
}

export function expressionServiceFactory({ usage }: { usage: Usage }) {
  return {
    /** Every problem in the text's references, without resolving any value. */
    async check(text: string, options: { as: Principal }): Promise<FieldIssue[]> {
      const { references, issues } = parseReferences(text);
      const out: FieldIssue[] = issues.map((i) => issueAt(i, i.message.slice(i.raw.length + 1)));
      for (const ref of references) {
        const problem = await usage.checkUsable(options.as, ref.name).then(
          ({ type }) => fieldProblem(type, ref),
          (error: unknown) => problemOf(error, ref.name),
        );
        if (problem) out.push(issueAt(ref, problem));
      }
      return out;
    },

    /** The text with every reference replaced by its value; throws (naming every bad reference) if any fails. */
    async render(text: string, options: { as: Principal; module?: string }): Promise<string> {
      const { references, issues } = parseReferences(text);
      const problems: FieldIssue[] = issues.map((i) => issueAt(i, i.message.slice(i.raw.length + 1)));
      const values = new Map<SecretReference, string>();
      // Each secret is opened (one audited use) once, however often the text names it.
      const opened = new Map<string, { type: CredentialType; payload: Payload } | { problem: string }>();
      for (const ref of references) {
        if (!opened.has(ref.name)) {
          opened.set(
            ref.name,
            await usage
              .useAny(options.as, ref.name, { module: options.module ?? 'expressions' })
              .catch((error: unknown) => ({ problem: problemOf(error, ref.name) })),
          );
        }
        const secret = opened.get(ref.name)!;
        const problem = 'problem' in secret ? secret.problem : fieldProblem(secret.type, ref);
        const value = problem || 'problem' in secret ? undefined : fieldValueOf(secret.type, secret.payload, ref);
        if (value === undefined)
          problems.push(
            issueAt(ref, problem ?? `secret "${ref.name}" has no value for "${ref.field ?? 'its secret field'}"`),
          );
        else values.set(ref, value);
      }
      if (problems.length > 0) throw new ValidationError(problems, 'Cannot render the configuration');
      let out = '';
      let last = 0;
      for (const ref of references) {
        out += text.slice(last, ref.index) + values.get(ref)!;
        last = ref.index + ref.raw.length;
      }
      return out + text.slice(last);
    },
  };
}

export type ExpressionService = ReturnType<typeof expressionServiceFactory>;
