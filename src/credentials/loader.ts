/**
 * Finds credential types: every class exported from a file in `credential-types/` that
 * carries `@Credential` is registered. Adding a type is adding a file; nothing else to edit.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HookRunner } from './definition.ts';
import { type CredentialClass, defaultMetadataStore, type MetadataStore } from './metadata.store.ts';
import { CredentialRegistry } from './registry.ts';
import { prepareImport } from './typescript-loader.ts';

export const builtInTypesDir = resolve(import.meta.dirname, '../../credential-types');

function isClass(value: unknown): value is CredentialClass {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/** Registers every decorated class exported by the `.ts` files of `dir` (files sorted by name). */
export async function loadCredentialTypes(
  registry: CredentialRegistry,
  dir = builtInTypesDir,
  store: MetadataStore = defaultMetadataStore,
): Promise<void> {
  const files = (await readdir(dir)).filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.(test|d)\.ts$/.test(f)).sort();
  for (const file of files) {
    const moduleUrl = pathToFileURL(join(dir, file)).href;
    await prepareImport(moduleUrl);
    const module: Record<string, unknown> = await import(moduleUrl);
    for (const [exportName, value] of Object.entries(module)) {
      if (isClass(value) && store.typeOptions(value)) registry.register(value, { moduleUrl, exportName });
    }
  }
}

/** The registry with the built-in types and those of any extra types folder (`TRESOR_TYPES_DIR`). */
export async function createRegistry(
  config: { passwordMinScore: number; typesDirs: readonly string[] },
  hooks?: HookRunner,
): Promise<CredentialRegistry> {
  const registry = new CredentialRegistry({
    settings: { passwordMinScore: config.passwordMinScore },
    ...(hooks ? { hooks } : {}),
  });
  await loadCredentialTypes(registry);
  for (const dir of config.typesDirs) await loadCredentialTypes(registry, dir);
  return registry;
}
