/**
 * What changed between two versions of a secret, as a reader may see it: for each non-secret
 * field its value in both; for each secret field only whether it changed (and whether it is set
 * in each). Whether a secret field changed is what the versions between recorded when they were
 * written (`changedSecrets`: entered, cleared or rolled back), never a comparison of values: a
 * guess entered as a new version would otherwise read "unchanged" exactly when it is right. For
 * a secret list of pairs: which names came and went, and whether values were entered.
 */
import type { CredentialType } from '../credentials/credential-type.ts';
import type { FieldValue, Pair, Payload } from '../credentials/field-options.ts';
import { canonicalJson } from '../text/canonical-json.ts';

export type FieldChange =
  | { key: string; secret: false; changed: boolean; from: FieldValue | null; to: FieldValue | null }
  | { key: string; secret: true; changed: boolean; setBefore: boolean; setAfter: boolean }
  | {
      key: string;
      secret: true;
      pairs: true;
      changed: boolean;
      added: string[];
      removed: string[];
      /** Whether any name in both versions holds another value. */
      valuesChanged: boolean;
    };

const pairsOf = (value: unknown): Pair[] => (Array.isArray(value) ? (value as Pair[]) : []);

export function compareVersions(
  type: CredentialType,
  before: Payload,
  after: Payload,
  changedSecrets: ReadonlySet<string>,
): FieldChange[] {
  const shownBefore = type.publicFields(before);
  const shownAfter = type.publicFields(after);
  return type.definition.fields.map((field): FieldChange => {
    const key = field.key;
    const [a, b] = [before[key] ?? field.default, after[key] ?? field.default];
    if (!field.secret) {
      const changed = canonicalJson(a ?? null) !== canonicalJson(b ?? null);
      return { key, secret: false, changed, from: shownBefore[key] ?? null, to: shownAfter[key] ?? null };
    }
    const changed = changedSecrets.has(key);
    if (field.style !== 'pairs')
      return { key, secret: true, changed, setBefore: a !== undefined, setAfter: b !== undefined };
    const old = new Map(pairsOf(a).map((p) => [p.name, p.value]));
    const now = new Map(pairsOf(b).map((p) => [p.name, p.value]));
    return {
      key,
      secret: true,
      pairs: true,
      changed,
      added: [...now.keys()].filter((name) => !old.has(name)),
      removed: [...old.keys()].filter((name) => !now.has(name)),
      valuesChanged: changed && [...now.keys()].some((name) => old.has(name)),
    };
  });
}
