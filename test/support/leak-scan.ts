/** Searches text for canary values in every form a leak could take. */
export function encodings(canary: string): string[] {
  const bytes = Buffer.from(canary, 'utf8');
  return [
    canary,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    encodeURIComponent(canary),
  ];
}

/** The canaries (in any encoding) found in `haystack`. */
export function findCanaries(haystack: string, canaries: readonly string[]): string[] {
  return canaries.filter((c) => encodings(c).some((form) => haystack.includes(form)));
}

/** Every row of every table of the public schema, as text (PostgreSQL's row-to-text cast, bytea as hex). */
export async function dumpTables(raw: {
  query<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}): Promise<string> {
  const tables = await raw.query<{ schema: string; name: string }>(
    "select table_schema as schema, table_name as name from information_schema.tables where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE'",
  );
  const parts: string[] = [];
  for (const { schema, name } of tables) {
    const rows = await raw.query<{ row: string }>(`select t::text as row from "${schema}"."${name}" t`);
    parts.push(`## ${schema}.${name}`, ...rows.map((r) => r.row));
  }
  return parts.join('\n');
}
