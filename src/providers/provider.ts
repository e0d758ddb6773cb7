/**
 * A provider: where secrets that live outside Tresor come from (the environment, a folder
 * of mounted files). Small on purpose, like Lucia's adapters: it answers what it holds now,
 * as text, and Tresor does the rest — typing the values with the declared credential type,
 * deciding who may use them (the gate's rule for use), auditing each use. A provided secret
 * is read-only: it is not in the database, so nothing can update, share or delete it.
 */
export interface ProvidedSecret {
  /** The provider's id, shown beside the secret (`env`, `files`). */
  provider: string;
  /** The secret's name in Tresor (lower-case, as stored secrets' names). */
  name: string;
  /** Where it was read, for messages: a variable prefix or a folder. Never a value. */
  source: string;
  /** The declared credential type's id; undefined when the provider found none. */
  type: string | undefined;
  /** Field values as text, keyed as the provider spelled them (matched to the type's keys later). */
  fields: Record<string, string>;
  /** Who may use it: e-mail addresses and group names (none declared: the `system` group). */
  users: string[];
  groups: string[];
  /** Why it cannot be used, when the provider found it unsafe or unreadable (never a value). */
  problem?: string;
}

export interface SecretProvider {
  readonly id: string;
  /** Every secret it holds now (a file provider reads its folder again: mounts change). */
  load(): Promise<ProvidedSecret[]>;
  /** Optional: the one secret of this (lower-case) name, cheaper than `load()` for a use. */
  find?(name: string): Promise<ProvidedSecret | undefined>;
}

/** A comma-separated list of names or addresses, trimmed, empty entries dropped. */
export const listOf = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
