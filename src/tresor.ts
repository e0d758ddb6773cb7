/**
 * The composition root: builds every part of Tresor from one parsed config. The HTTP
 * server, the CLI and the tests all start here, so they cannot be wired differently.
 */
import type { TresorConfig } from './config.ts';
import { CredentialRegistry, loadCredentialTypes } from './credentials/index.ts';

export interface Tresor {
  config: TresorConfig;
  registry: CredentialRegistry;
  close(): Promise<void>;
}

/** The registry with the built-in types and those of any extra types folder. */
export async function createRegistry(config: Pick<TresorConfig, 'passwordMinScore' | 'typesDirs'>): Promise<CredentialRegistry> {
  const registry = new CredentialRegistry({ settings: { passwordMinScore: config.passwordMinScore } });
  await loadCredentialTypes(registry);
  for (const dir of config.typesDirs) await loadCredentialTypes(registry, dir);
  return registry;
}

export async function createTresor(config: TresorConfig): Promise<Tresor> {
  const registry = await createRegistry(config);
  return {
    config,
    registry,
    async close() {},
  };
}
