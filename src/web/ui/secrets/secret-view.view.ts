/** A secret's page's view model: how each field shows (pure). */
import type { FormField } from '../../../credentials/index.ts';
import type { EnvironmentValue } from '../../../secrets/secret-environments.ts';
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

/**
 * The environments side by side: per environment, whether it is set, its version and each field as the page
 * shows it (a secret field: set or not), a non-secret field that differs from the default environment's marked.
 */
export function environmentRowsOf(fields: readonly FormField[], values: readonly EnvironmentValue[]) {
  const rows = values.map((v) => ({
    ...v,
    cells: v.set
      ? fieldRowsOf(fields, { fields: v.fields ?? {}, sealed: v.sealed ?? [] })
      : fields.map((f) => ({ label: f.label, secret: false, display: '—' })),
  }));
  const base = rows.find((r) => r.default)?.cells;
  return rows.map((r) => ({
    ...r,
    cells: r.cells.map((c, i) => ({
      ...c,
      display: c.secret ? 'set' : c.display,
      differs: r.set && !r.default && base !== undefined && !c.secret && c.display !== base[i]?.display,
    })),
    // Where a value may be copied from: the others that hold one.
    sources: rows.filter((o) => o.set && o.environment !== r.environment).map((o) => o.environment),
  }));
}
