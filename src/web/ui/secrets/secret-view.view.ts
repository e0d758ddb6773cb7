/** A secret's page's view model: how each field shows (pure). */
import type { FormField } from '../../../credentials/index.ts';
import type { SecretDetail } from '../../../secrets/secret-metadata.ts';

/** Each field as the page shows it: secret ones sealed, the others as the form offers them. */
export function fieldRowsOf(fields: readonly FormField[], detail: Pick<SecretDetail, 'fields' | 'sealed'>) {
  return fields.map((f) => {
    const value = detail.fields[f.key];
    // Shown as the form offers it: a select's option label, a checkbox as yes or no.
    const display = Array.isArray(value)
      ? value.map((p) => p.name).join(', ')
      : value === undefined
        ? '—'
        : f.input === 'checkbox'
          ? value
            ? 'Yes'
            : 'No'
          : (f.options?.find((o) => o.value === value)?.label ?? String(value));
    return {
      label: f.label,
      // Marked sealed only when a value is stored: an optional secret left empty shows as not set.
      secret: f.secret && f.input !== 'pairs' && detail.sealed.includes(f.key),
      display:
        f.input === 'pairs' ? `${display} (values sealed)` : f.secret && value === undefined ? 'not set' : display,
      // PEM text in a monospace block, collapsed: it is long, and rarely what a reader came for.
      pem: !f.secret && f.style === 'pem' && typeof value === 'string',
      // A value worth copying (a host, a user name, a URL): not a secret, a list, a choice or a yes/no.
      copyable: !f.secret && typeof value === 'string' && value !== '' && f.input !== 'checkbox' && !f.options,
      lines: typeof value === 'string' ? value.trim().split('\n').length : 0,
    };
  });
}
