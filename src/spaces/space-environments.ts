/**
 * Which stored value an environment names. A space declares environments in order; the first is
 * its default, whose values are the secrets' own (environment '' in `secret_versions`: the values
 * they had before the space declared any), and the others' values are stored under their names.
 * A space that declares none has one value per secret, the same in every environment.
 *
 * Each node keeps a space's environments beside the principals' facts (dropped with them when a
 * space's environments change, on every node), so a use that names an environment costs no read.
 */
import type { ReadCache } from '../cluster/read-cache.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { environmentStore } from './environment.store.ts';
import { spaceNamesFactory } from './space-names.ts';

/** Where a value lives: `lane` '' for the secret's own value; `environment` the name asked for, if any. */
export interface EnvironmentLane {
  lane: string;
  environment: string | undefined;
}

/** An environment's name: a lower-case slug, as it is stored (and bound into its values' seals). */
export const environmentNamePattern = /^[a-z][a-z0-9-]{0,31}$/;

export function spaceEnvironmentsFactory({ db, cache }: { db: Database; cache?: ReadCache }) {
  const spaceNames = spaceNamesFactory(db);
  const names = async (spaceId: string): Promise<string[]> => {
    const load = async () => (await environmentStore.list(db, spaceId)).map((e) => e.name);
    return cache ? cache.through('principals', `environments|${spaceId}`, load) : load();
  };

  return {
    /** The space's environments in order (its default first); none for a space without. */
    names,

    /**
     * The value `requested` names in the space. Not naming one is the default environment (the secret's own
     * value). Where the space declares none, a use gets the one value whatever it asks for, but a write that
     * names an environment is refused: there is nowhere to put it.
     */
    async laneOf(spaceId: string, requested: string | undefined, mode: 'use' | 'write'): Promise<EnvironmentLane> {
      const declared = await names(spaceId);
      const spaceName = async () => (await spaceNames.of([spaceId])).get(spaceId) ?? spaceId;
      const asked = requested === undefined || requested === '' ? undefined : requested.toLowerCase();
      if (declared.length === 0) {
        if (asked !== undefined && mode === 'write')
          throw ValidationError.field('environment', `Space "${await spaceName()}" declares no environments`);
        return { lane: '', environment: undefined };
      }
      if (asked === undefined || asked === declared[0]) return { lane: '', environment: declared[0] };
      if (!declared.includes(asked))
        throw ValidationError.field(
          'environment',
          `Space "${await spaceName()}" has no environment "${requested}" (it has ${declared.join(', ')})`,
        );
      return { lane: asked, environment: asked };
    },
  };
}

export type SpaceEnvironments = ReturnType<typeof spaceEnvironmentsFactory>;
