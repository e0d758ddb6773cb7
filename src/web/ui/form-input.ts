/**
 * From an HTML form post to typed field input, guided by the type's form model, and back:
 * numbers and checkboxes are converted, blank pair rows dropped. Secret values are never
 * put back into a re-rendered form.
 */

import type { FormField, FormModel } from '../../credentials/index.ts';
import type { FieldIssue } from '../../errors.ts';

type Body = Record<string, unknown>;

function pairsFrom(raw: unknown): { name: string; value: string }[] {
  const rows = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
  return rows
    .map((row) => (row && typeof row === 'object' ? (row as Record<string, unknown>) : {}))
    .map((row) => ({
      name: typeof row.name === 'string' ? row.name : '',
      value: typeof row.value === 'string' ? row.value : '',
    }))
    .filter((row) => row.name.trim() !== '' || row.value !== '');
}

function valueFrom(field: FormField, raw: unknown): unknown {
  switch (field.input) {
    case 'checkbox':
      return raw === 'on' || raw === 'true';
    case 'number': {
      if (typeof raw !== 'string' || raw.trim() === '') return undefined;
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    case 'pairs':
      return pairsFrom(raw);
    default:
      return typeof raw === 'string' ? raw : undefined;
  }
}

/** The `fields[...]` part of a form post, as the services expect it. */
export function fieldsFromForm(model: FormModel, body: Body): Record<string, unknown> {
  const posted = body.fields && typeof body.fields === 'object' ? (body.fields as Body) : {};
  const out: Record<string, unknown> = {};
  for (const field of model.fields) {
    const value = valueFrom(field, posted[field.key]);
    if (value !== undefined) out[field.key] = value;
  }
  return out;
}

export interface RenderedField extends FormField {
  /** The value to show: never for a secret field (pairs show names only). */
  value: unknown;
  error: string | undefined;
  /** Editing an existing secret: the stored secret stays if the input is left empty. */
  keepsStored: boolean;
  /** A secret field whose entry a failed save dropped (secret values never go back to the browser). */
  enterAgain: boolean;
  /** A name/value list's rows, each with its own error (only that row is marked). */
  rows?: { index: number; name: string; error: string | undefined; focus?: boolean }[];
  /** Required where shown (showWhen): marked in the label, checked by the server. */
  requiredWhenShown: boolean;
  /** The condition for the form script (data-show-when); absent: always shown. */
  showWhenJson: string | undefined;
  /** The ids of the texts that describe the input (help, "leave empty", error): only ones the page has. */
  describedBy: string | undefined;
  /** Some rows of a name/value list have errors (shown beside each row, not on the whole list). */
  listError?: boolean;
  /** The first field with an error gets the focus when the page loads again (autofocus, no script). */
  focus: boolean;
}

/** The fields to render, with values (non-secret only) and the error next to each. */
export function renderFields(
  model: FormModel,
  values: Record<string, unknown>,
  issues: readonly FieldIssue[],
  editing: boolean,
  options: { focusFirstError?: boolean; reenter?: readonly string[] } = {},
): RenderedField[] {
  let focused = options.focusFirstError === false;
  const errorOf = (key: string) =>
    issues.find((i) => i.path === `fields.${key}` || i.path.startsWith(`fields.${key}.`))?.message;
  const rowErrorOf = (key: string, index: number) =>
    issues.find((i) => i.path === `fields.${key}.${index}` || i.path.startsWith(`fields.${key}.${index}.`))?.message;
  return model.fields.map((field) => {
    const raw = values[field.key] ?? (editing ? undefined : field.default);
    const error = errorOf(field.key);
    // Editing, a secret field left empty keeps the stored value: it is not required, and not marked so.
    const keepsStored = editing && field.secret;
    const enterAgain = field.secret && (options.reenter?.includes(field.key) ?? false);
    const describedBy = [
      field.help && `h-${field.key}`,
      enterAgain && `a-${field.key}`,
      keepsStored && !enterAgain && `k-${field.key}`,
      error && `e-${field.key}`,
    ]
      .filter(Boolean)
      .join(' ');
    const rendered: RenderedField = {
      ...field,
      // A conditional field carries no `required` attribute (a hidden required input would block the form);
      // the label still marks it, and the server requires it where it is shown.
      required: field.required && !field.showWhen && !keepsStored,
      requiredWhenShown: field.required && field.showWhen !== undefined && !keepsStored,
      showWhenJson: field.showWhen ? JSON.stringify(field.showWhen) : undefined,
      value: field.secret ? undefined : raw,
      error,
      keepsStored,
      enterAgain,
      describedBy: describedBy || undefined,
      focus: false,
    };
    if (field.input === 'pairs') {
      const names = Array.isArray(raw) ? raw.map((p) => String((p as { name?: unknown }).name ?? '')) : [];
      // Without JavaScript three empty rows are the way to add; pairs.js adds and removes rows as needed.
      rendered.rows = [...names, '', '', ''].map((name, index) => ({
        index,
        name,
        error: rowErrorOf(field.key, index),
      }));
      // The list as a whole is marked only for a problem of the whole list (none given, too many).
      const whole = issues.find((i) => i.path === `fields.${field.key}`)?.message;
      rendered.error = whole;
      rendered.listError = rendered.rows.some((r) => r.error) && !whole;
    }
    const firstBadRow = rendered.rows?.find((r) => r.error);
    if (firstBadRow && !focused) {
      firstBadRow.focus = true;
      focused = true;
    } else if (rendered.error && !focused) {
      rendered.focus = true;
      focused = true;
    }
    return rendered;
  });
}
