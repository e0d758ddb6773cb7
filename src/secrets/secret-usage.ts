/**
 * Where a secret is used, as the API and the CLI answer it: the modules that used it (from
 * the audit trail) and the stored configurations that name it (secret_references), dates as
 * ISO strings. One shape, so `GET /secrets/:id/usage` and `tresor secrets usage` agree.
 */
import type { Reference } from './reference.store.ts';
import type { SecretStory } from './secret-story.service.ts';

export interface SecretUsage {
  modules: { module: string | null; usedFor: string; lastAt: string; uses: number }[];
  references: Reference[];
  /** Configurations naming it that the asker may not read: counted, never named. */
  hiddenReferences: number;
}

export const usageOf = ({ uses, references }: Pick<SecretStory, 'uses' | 'references'>): SecretUsage => ({
  modules: uses.map((u) => ({ ...u, lastAt: u.lastAt.toISOString() })),
  references: references.visible,
  hiddenReferences: references.hidden,
});
